package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InboundPipeTest {
    private final IoWorkers workers = new IoWorkers("pipe-test", Duration.ofSeconds(1));
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final ReadThrottle throttle = new ReadThrottle(channel);

    @AfterEach
    void stop() {
        workers.close();
        channel.finishAndReleaseAll();
    }

    /** A sink that records, and blocks while the gate is shut. */
    private static final class Recorder implements ByteSink {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile boolean fail;

        @Override
        public void write(ByteBuf data) throws IOException {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            if (fail) {
                throw new IOException("broken pipe");
            }
            synchronized (got) {
                got.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(data));
            }
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    private static ByteBuf chunk(int n, int fill) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) fill);
        return Unpooled.wrappedBuffer(b);
    }

    @Test
    void dataWaitsForTheSinkAndArrivesInOrderThenTheSinkCloses() throws Exception {
        InboundPipe pipe = new InboundPipe(workers, throttle);
        pipe.offer(Unpooled.copiedBuffer("early ", java.nio.charset.StandardCharsets.UTF_8));
        Recorder r = new Recorder();
        r.gate.countDown();
        pipe.start(r);
        pipe.offer(Unpooled.copiedBuffer("late", java.nio.charset.StandardCharsets.UTF_8));
        pipe.finish();
        assertThat(r.closed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(r.got.toString()).isEqualTo("early late");
    }

    @Test
    void aSlowSinkStopsReadingTheSocketUntilItCatchesUp() throws Exception {
        InboundPipe pipe = new InboundPipe(workers, throttle);
        Recorder r = new Recorder();
        pipe.start(r);
        List<ByteBuf> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ByteBuf b = chunk(32 * 1024, i);
            sent.add(b);
            pipe.offer(b);
        }
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(pipe.queued()).isGreaterThan(InboundPipe.HIGH_WATER);
        r.gate.countDown();
        assertThat(Await.until(() -> pipe.queued() == 0, Duration.ofSeconds(5))).isTrue();
        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(r.got.size()).isEqualTo(20 * 32 * 1024);
        assertThat(sent).allSatisfy(b -> assertThat(b.refCnt()).isZero());
    }

    @Test
    void aFailedSinkDropsFurtherInputAndResumesReading() throws Exception {
        InboundPipe pipe = new InboundPipe(workers, throttle);
        Recorder r = new Recorder();
        r.fail = true;
        pipe.start(r);
        for (int i = 0; i < 20; i++) {
            pipe.offer(chunk(32 * 1024, i));
        }
        r.gate.countDown();
        assertThat(Await.until(() -> pipe.queued() == 0 && channel.config().isAutoRead(), Duration.ofSeconds(5))).isTrue();
        ByteBuf late = chunk(10, 1);
        pipe.offer(late);
        assertThat(late.refCnt()).isZero();
        assertThat(r.got.size()).isZero();
    }

    @Test
    void manyPipesTogetherAreHeldToTheConnectionsBudget() throws Exception {
        List<InboundPipe> pipes = new ArrayList<>();
        List<Recorder> sinks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            InboundPipe p = new InboundPipe(workers, throttle);
            Recorder r = new Recorder();
            p.start(r);
            pipes.add(p);
            sinks.add(r);
            // Each stays under its own high-water mark...
            p.offer(chunk(InboundPipe.HIGH_WATER - 1024, i));
        }
        // ...but together they are over the connection's.
        assertThat(channel.config().isAutoRead()).isFalse();
        sinks.forEach(r -> r.gate.countDown());
        assertThat(Await.until(() -> pipes.stream().allMatch(p -> p.queued() == 0), Duration.ofSeconds(5))).isTrue();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void abortReleasesWhatWaits() {
        InboundPipe pipe = new InboundPipe(workers, throttle);
        ByteBuf b = chunk(300 * 1024, 1);
        pipe.offer(b);
        assertThat(channel.config().isAutoRead()).isFalse();
        pipe.abort();
        assertThat(b.refCnt()).isZero();
        assertThat(channel.config().isAutoRead()).isTrue();
    }
}
