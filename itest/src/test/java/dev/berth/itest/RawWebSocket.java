package dev.berth.itest;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client at the byte level (RFC 6455), for what a library would hide: the exact HTTP status of a refused
 * upgrade, the channel byte of every message, and an idle connection left alone.
 */
public final class RawWebSocket implements AutoCloseable {
    /** A message: its opcode (1 text, 2 binary, 8 close) and payload. */
    public record Frame(int opcode, byte[] payload) {
        public int channel() {
            return payload.length == 0 ? -1 : payload[0] & 0xff;
        }

        public String data() {
            return new String(payload, 1, Math.max(0, payload.length - 1), StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    public final int status;
    public final String responseHead;

    private RawWebSocket(Socket socket, int status, String responseHead) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.status = status;
        this.responseHead = responseHead;
    }

    /** Sends the upgrade request for {@code url} offering {@code protocol}; {@link #status} is the answer's. */
    public static RawWebSocket connect(String url, String protocol) throws IOException {
        URI u = URI.create(url);
        Socket s = u.getScheme().equals("https") ? trustingAnyCertificate().createSocket(u.getHost(), u.getPort())
                : new Socket(u.getHost(), u.getPort());
        s.setSoTimeout(30_000);
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String req = "GET " + u.getRawPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Protocol: " + protocol + "\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; matched < 4 && (c = s.getInputStream().read()) >= 0; ) {
            head.write(c);
            matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int status = text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : -1;
        return new RawWebSocket(s, status, text);
    }

    /** TLS that accepts any server certificate: the tests check the channel, not berthd's self-signed identity. */
    private static javax.net.ssl.SSLSocketFactory trustingAnyCertificate() throws IOException {
        javax.net.ssl.TrustManager any = new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
            }

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
        try {
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {any}, null);
            return tls.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Sends one masked binary message: the channel byte, then {@code data}. */
    public void send(int channel, byte[] data) throws IOException {
        byte[] payload = new byte[data.length + 1];
        payload[0] = (byte) channel;
        System.arraycopy(data, 0, payload, 1, data.length);
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x82);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        }
        f.write(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i % 4]);
        }
        out.write(f.toByteArray());
        out.flush();
    }

    /** The next message, or null when the server closed the connection. */
    public Frame read() throws IOException {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            if ((b1 & 0x80) != 0) {
                throw new IOException("a server must not mask its frames");
            }
            byte[] payload = new byte[Math.toIntExact(len)];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (EOFException e) {
            return null;
        }
    }

    public void soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
