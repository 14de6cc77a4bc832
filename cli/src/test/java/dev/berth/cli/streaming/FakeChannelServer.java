package dev.berth.cli.streaming;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A streaming server at the byte level (RFC 6455) for the client's tests: it can split a message into fragments,
 * refuse an upgrade, and read what the client sent exactly as sent. Each connection runs a {@link Script}.
 */
final class FakeChannelServer implements AutoCloseable {
    /** What the server does with one connection. */
    @FunctionalInterface
    interface Script {
        void run(Conn c) throws Exception;
    }

    /** A client frame: opcode and unmasked payload. */
    record Frame(int opcode, boolean fin, byte[] payload) {
    }

    private final ServerSocket server;
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private final java.util.concurrent.Semaphore finished = new java.util.concurrent.Semaphore(0);

    FakeChannelServer(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    s.setSoTimeout(10_000);
                    Thread t = new Thread(() -> {
                        try (s) {
                            script.run(new Conn(s));
                        } catch (Exception e) {
                            failures.add(e);
                        } finally {
                            finished.release();
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    List<String> requestHeads() {
        return requestHeads;
    }

    /** Waits (at most 10 s) until {@code connections} scripts have run to their end. */
    void awaitScripts(int connections) throws InterruptedException {
        if (!finished.tryAcquire(connections, 10, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("the server's script did not finish");
        }
    }

    List<Throwable> failures() {
        return failures;
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One client connection. */
    final class Conn {
        private final DataInputStream in;
        private final OutputStream out;
        private final String head;

        Conn(Socket s) throws IOException {
            this.in = new DataInputStream(s.getInputStream());
            this.out = s.getOutputStream();
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                h.write(in.readUnsignedByte());
            }
            head = h.toString(StandardCharsets.ISO_8859_1);
            requestHeads.add(head);
        }

        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        void upgrade(String protocol) throws IOException, NoSuchAlgorithmException {
            String key = header("Sec-WebSocket-Key");
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(sha) + "\r\n"
                    + "Sec-WebSocket-Protocol: " + protocol + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        void refuse(int status, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 " + status + " Nope\r\nContent-Type: text/plain\r\nContent-Length: " + b.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(b);
            out.flush();
        }

        /** A whole binary message: the channel byte, then {@code data}. */
        void send(int channel, byte[] data) throws IOException {
            byte[] m = new byte[data.length + 1];
            m[0] = (byte) channel;
            System.arraycopy(data, 0, m, 1, data.length);
            frame(2, true, m);
        }

        /** One frame, unmasked as a server sends it; opcode 0 continues a fragmented message. */
        void frame(int opcode, boolean fin, byte[] payload) throws IOException {
            out.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                out.write(payload.length);
            } else {
                out.write(126);
                out.write(payload.length >>> 8);
                out.write(payload.length & 0xff);
            }
            out.write(payload);
            out.flush();
        }

        void close() throws IOException {
            frame(8, true, new byte[] {0x03, (byte) 0xe8});
        }

        /** The client's next frame, unmasked (a close frame too). */
        Frame read() throws IOException {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] mask = new byte[4];
            if ((b1 & 0x80) != 0) {
                in.readFully(mask);
            }
            byte[] p = new byte[(int) len];
            in.readFully(p);
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i % 4];
            }
            return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, p);
        }

        /** Reads client data frames until the one {@code until} accepts; returns all of them. */
        List<Frame> readUntil(java.util.function.Predicate<Frame> until) throws IOException {
            List<Frame> frames = new ArrayList<>();
            while (true) {
                Frame f = read();
                frames.add(f);
                if (until.test(f) || f.opcode() == 8) {
                    return frames;
                }
            }
        }
    }
}
