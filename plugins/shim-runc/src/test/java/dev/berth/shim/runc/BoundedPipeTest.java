package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BoundedPipeTest {
    @Test
    void deliversInOrderAcrossTheRingEdgeThenEndOfFile() throws Exception {
        BoundedPipe pipe = new BoundedPipe(8);
        InputStream in = pipe.input();
        pipe.write("abcdef".getBytes(), 0, 6);
        byte[] four = new byte[4];
        assertThat(in.read(four)).isEqualTo(4);
        pipe.write("ghijk".getBytes(), 1, 4); // wraps around the end of the ring
        pipe.finish();
        assertThat(new String(four) + new String(in.readAllBytes())).isEqualTo("abcdefhijk");
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void aFullPipeBlocksTheWriterUntilTheReaderCatchesUp() throws Exception {
        BoundedPipe pipe = new BoundedPipe(4);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                pipe.write("0123456789".getBytes(), 0, 10);
                pipe.finish();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(100);
        assertThat(writer).isNotDone();
        assertThat(new String(pipe.input().readAllBytes())).isEqualTo("0123456789");
        writer.get(5, TimeUnit.SECONDS);
    }

    @Test
    void closingTheReaderDropsLaterWritesAndFreesABlockedWriter() throws Exception {
        BoundedPipe pipe = new BoundedPipe(4);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                pipe.write(new byte[100], 0, 100);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(50);
        pipe.input().close();
        writer.get(5, TimeUnit.SECONDS);
        pipe.write(new byte[100], 0, 100); // returns at once
        assertThat(pipe.input().read()).isEqualTo(-1);
    }
}
