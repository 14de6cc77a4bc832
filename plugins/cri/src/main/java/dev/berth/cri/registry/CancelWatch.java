package dev.berth.cri.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Closes a download's body once the download is cancelled (every pull that wanted it has gone), so a reader blocked
 * on a registry that sends nothing wakes at once instead of when the connection times out; the copy loop then sees
 * the cancellation and stops with CANCELLED.
 */
final class CancelWatch {
    private static final long PERIOD_MS = 200;
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private CancelWatch() {
    }

    /** {@code body}, closed by a timer as soon as {@code cancelled} turns true; closing it stops the watch. */
    static InputStream watch(InputStream body, BooleanSupplier cancelled) {
        return new Watched(body, cancelled);
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "berth-pull-cancel");
            th.setDaemon(true);
            return th;
        });
        t.setKeepAliveTime(30, TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private static final class Watched extends FilterInputStream {
        private final ScheduledFuture<?> check;

        Watched(InputStream in, BooleanSupplier cancelled) {
            super(in);
            this.check = TIMER.scheduleWithFixedDelay(() -> {
                if (cancelled.getAsBoolean()) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // dropped either way
                    }
                }
            }, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() throws IOException {
            check.cancel(false);
            super.close();
        }
    }
}
