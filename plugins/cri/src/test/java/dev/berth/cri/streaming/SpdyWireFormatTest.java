package dev.berth.cri.streaming;

import static dev.berth.cri.streaming.FakeSessions.exec;
import static dev.berth.cri.streaming.FakeSessions.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server's bytes on the wire, decoded by hand after the SPDY/3 draft's frame layout rather than by Netty: what
 * Go's spdystream framer will parse.
 */
class SpdyWireFormatTest {
    /** One frame as the spec lays it out. */
    record Frame(boolean control, int version, int type, int streamId, int flags, byte[] payload) {
    }

    @Test
    void synReplyAndDataFramesFollowTheSpdy3Layout() throws Exception {
        try (StreamServer server = TestServers.start()) {
            URI url = URI.create(server.register(exec(request(false, true, false, false, "echo"), new FakeSessions.Exits(0, "hi", ""))));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), url.getPort())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST " + url.getPath() + " HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                        + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                DataInputStream in = new DataInputStream(s.getInputStream());
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n").containsIgnoringCase("upgrade: SPDY/3.1")
                        .containsIgnoringCase("x-stream-protocol-version: v4.channel.k8s.io");
                // The client's SYN_STREAMs: their header blocks are one zlib stream with SPDY's dictionary, so Netty
                // encodes these, with one encoder for the connection as a real client has.
                EmbeddedChannel encoder = new EmbeddedChannel(new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                out.write(synStream(encoder, 1, "error"));
                out.write(synStream(encoder, 3, "stdout"));
                out.flush();
                encoder.finishAndReleaseAll();
                List<Frame> frames = new ArrayList<>();
                try {
                    for (int i = 0; i < 16; i++) {
                        frames.add(readFrame(in));
                    }
                } catch (EOFException e) {
                    // the server closes once the session is reported
                }
                Frame reply1 = frames.get(0);
                assertThat(reply1.control()).isTrue();
                assertThat(reply1.version()).isEqualTo(3);
                assertThat(reply1.type()).isEqualTo(2); // SYN_REPLY
                assertThat(reply1.flags()).isZero();
                assertThat(reply1.streamId()).isEqualTo(1);
                // Go's framer reads a compressed header block after the stream id and drops the connection without
                // one (an empty reply stalls kubectl until it times out): the block must be there.
                assertThat(reply1.payload().length).isGreaterThan(4);
                assertThat(frames.get(1).type()).isEqualTo(2);
                assertThat(frames.get(1).streamId()).isEqualTo(3);
                List<Frame> data = frames.subList(2, frames.size());
                assertThat(data).allSatisfy(f -> assertThat(f.control()).isFalse());
                assertThat(payload(data, 3)).isEqualTo("hi");
                assertThat(payload(data, 1)).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
                // Each stream ends with FIN (flag 0x01) and the error stream's is the very last frame.
                assertThat(data.stream().filter(f -> f.streamId() == 3 && (f.flags() & 1) == 1)).hasSize(1);
                Frame last = data.get(data.size() - 1);
                assertThat(last.streamId()).isEqualTo(1);
                assertThat(last.flags()).isEqualTo(1);
                assertThat(last.payload()).isEmpty();
                assertThat(frames).noneMatch(f -> f.control() && f.type() == 9); // never a WINDOW_UPDATE
            }
        }
    }

    private static String payload(List<Frame> frames, int stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        frames.stream().filter(f -> f.streamId() == stream).forEach(f -> b.writeBytes(f.payload()));
        return b.toString(StandardCharsets.UTF_8);
    }

    private static byte[] synStream(EmbeddedChannel encoder, int id, String type) {
        DefaultSpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        syn.headers().add("streamtype", type);
        encoder.writeOutbound(syn);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuf b = encoder.readOutbound(); b != null; b = encoder.readOutbound()) {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            b.release();
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0 || b.size() > 8192) {
                throw new EOFException("no response head");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Control: |1|version(15)|type(16)|flags(8)|length(24)|, SYN_REPLY's payload starting with |X|stream id(31)|.
     * Data: |0|stream id(31)|flags(8)|length(24)|data.
     */
    private static Frame readFrame(DataInputStream in) throws Exception {
        int word = in.readInt();
        int flagsAndLength = in.readInt();
        int flags = flagsAndLength >>> 24;
        byte[] payload = new byte[flagsAndLength & 0xffffff];
        in.readFully(payload);
        if (word < 0) {
            int version = (word >>> 16) & 0x7fff;
            int type = word & 0xffff;
            int id = payload.length >= 4 ? ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff) : 0;
            return new Frame(true, version, type, id, flags, payload);
        }
        return new Frame(false, 0, 0, word, flags, payload);
    }
}
