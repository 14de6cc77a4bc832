package dev.berth.cri.registry;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code image_pull_progress_timeout}: a registry response body that delivers no byte for that long is closed,
 * which ends the read blocked on it, and the read fails with DEADLINE_EXCEEDED. The HTTP client's own timeout covers
 * only the wait for response headers, so without this a registry that keeps a connection open and sends nothing
 * would hold a pull, and the kubelet's PullImage, for ever. A slow registry is fine as long as bytes keep coming.
 */
final class ProgressTimeout {
    static final String KEY = "image_pull_progress_timeout";

    private final Duration timeout;
    /** One timer thread for every watched body; it ends when nothing is watched for a while. */
    private final ScheduledThreadPoolExecutor timer;

    /** @param timeout zero turns the watch off */
    ProgressTimeout(Duration timeout) {
        this.timeout = timeout;
        if (timeout.isZero()) {
            this.timer = null;
            return;
        }
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "berth-pull-progress");
            t.setDaemon(true);
            return t;
        });
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
    }

    boolean enabled() {
        return timer != null;
    }

    Duration timeout() {
        return timeout;
    }

    /** {@code body}, closed when it stalls; its reads then throw {@link #stalled}. {@code source} names the server. */
    InputStream watch(InputStream body, String source) {
        return enabled() ? new Watched(body, source) : body;
    }

    /** The error of a transfer from {@code source} that got no {@code what} ("response", "data") in time. */
    BerthException stalled(String source, String what) {
        return new BerthException(ErrorKind.DEADLINE_EXCEEDED, String.format("no %s from %s for %s (%s)", what, source,
                format(timeout), KEY));
    }

    /** "300s", "2s", "500ms": the way the setting was most likely written. */
    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** A body whose reads count as progress; a timer task closes it once it has been idle for the timeout. */
    private final class Watched extends FilterInputStream {
        private final String source;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;
        private long bytes;
        private boolean closed;
        private ScheduledFuture<?> check;

        Watched(InputStream in, String source) {
            super(in);
            this.source = source;
            schedule(timeout.toNanos());
        }

        private synchronized void schedule(long delayNanos) {
            if (!closed) {
                check = timer.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        private void check() {
            long idle = System.nanoTime() - lastProgress;
            if (idle < timeout.toNanos()) {
                schedule(timeout.toNanos() - idle);
                return;
            }
            stalled = true;
            try {
                in.close(); // wakes the reader: its read fails, and it sees why
            } catch (IOException ignored) {
                // the connection is dropped either way
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                throw rethrown(e);
            }
            if (stalled) {
                throw stalledError(null);
            }
            if (n > 0) {
                bytes += n;
                lastProgress = System.nanoTime();
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                long skipped = in.skip(n);
                if (skipped > 0) {
                    lastProgress = System.nanoTime();
                }
                return skipped;
            } catch (IOException e) {
                throw rethrown(e);
            }
        }

        /** A read failure, or the stall that caused it: then the close by {@link #check} made the read fail. */
        private IOException rethrown(IOException e) {
            if (stalled) {
                throw stalledError(e);
            }
            return e;
        }

        private BerthException stalledError(IOException cause) {
            BerthException e = new BerthException(ErrorKind.DEADLINE_EXCEEDED,
                    stalled(source, "data").getMessage() + " after " + bytes + " bytes");
            if (cause != null) {
                e.addSuppressed(cause);
            }
            return e;
        }

        @Override
        public void close() throws IOException {
            synchronized (this) {
                closed = true;
                if (check != null) {
                    check.cancel(false);
                }
            }
            super.close();
        }
    }
}
