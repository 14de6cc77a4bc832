package dev.berth.cri.images;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs garbage collection on one daemon thread: on {@link #request()} (coalesced: requests made while one is
 * still waiting to run add nothing, so a burst of RemoveImage calls costs one run) and every {@code interval}.
 */
final class GcScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GcScheduler.class);
    /** How long close waits for a run in progress, which it does not interrupt (that could break a store's file). */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Runnable collect;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicLong completed = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param collect  one collection
     * @param interval time between scheduled runs (the first one interval after start); zero or negative for none
     */
    GcScheduler(Runnable collect, Duration interval) {
        this.collect = collect;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-image-gc");
            t.setDaemon(true);
            return t;
        });
        if (!interval.isZero() && !interval.isNegative()) {
            long ms = Math.max(1, interval.toMillis());
            executor.scheduleWithFixedDelay(this::request, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Asks for a collection soon; returns at once. */
    void request() {
        if (closed || !pending.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(this::run);
        } catch (RejectedExecutionException e) {
            pending.set(false); // closing
        }
    }

    /** Runs that have finished (successfully or not), for tests. */
    long completedRuns() {
        return completed.get();
    }

    private void run() {
        pending.set(false); // a request from now on needs another run: this one may have marked already
        if (closed) {
            return;
        }
        try {
            collect.run();
        } catch (RuntimeException e) {
            LOG.warn("gc: run failed: {}", e.toString(), e);
        } finally {
            completed.incrementAndGet();
        }
    }

    /** Stops scheduling and waits for a run in progress to finish. */
    @Override
    public void close() {
        closed = true;
        executor.shutdown(); // cancels the periodic task; queued requests see closed and return
        try {
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("gc: a run is still going after {} s; closing anyway", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
