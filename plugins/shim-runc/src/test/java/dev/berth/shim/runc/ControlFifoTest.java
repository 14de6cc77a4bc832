package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlFifoTest {
    @TempDir
    Path tmp;

    @Test
    void writesConmonsLinesAndFailsFastWithoutAReader() throws Exception {
        Path fifo = tmp.resolve("ctl");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0).isTrue();
        ControlFifo ctl = new ControlFifo(Libc.load(), fifo, "c1");

        long t0 = System.nanoTime();
        assertThatThrownBy(ctl::reopenLog).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(1));

        // read-write keeps a reader without blocking the open, as conmon's own dummy writer does
        try (RandomAccessFile conmon = new RandomAccessFile(fifo.toFile(), "rw")) {
            ctl.resize(111, 33);
            ctl.reopenLog();
            byte[] got = new byte[64];
            int n = conmon.read(got);
            assertThat(new String(got, 0, n, StandardCharsets.US_ASCII)).isEqualTo("1 33 111\n2 0 0\n");
        }
    }
}
