package dev.berth.cri.streaming;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that do the blocking half of every session (opening it, process stdio, pod sockets), so that no
 * blocking call ever runs on an event loop. Grows with the sessions and shrinks when they end.
 */
final class IoWorkers implements Executor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoWorkers.class);
    private final ThreadPoolExecutor pool;

    IoWorkers(String name, Duration keepAlive) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, keepAlive.toMillis(), TimeUnit.MILLISECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Runs {@code task} on a worker. After {@link #close()} it runs on the caller instead: what still arrives then is
     * the closing of sessions, which must happen rather than be dropped.
     */
    @Override
    public void execute(Runnable task) {
        try {
            pool.execute(() -> logged(task));
        } catch (RejectedExecutionException e) {
            logged(task);
        }
    }

    /** As {@link #execute}, with a handle to interrupt the task. */
    Future<?> submit(Runnable task) {
        FutureTask<Void> f = new FutureTask<>(() -> logged(task), null);
        execute(f);
        return f;
    }

    /** Lets running tasks finish for a moment (they end when their sessions close), then interrupts them. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
                if (!pool.awaitTermination(2, TimeUnit.SECONDS)) {
                    LOG.warn("{} streaming I/O threads did not stop", pool.getActiveCount());
                }
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static void logged(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.warn("streaming I/O task failed", e);
        }
    }
}
