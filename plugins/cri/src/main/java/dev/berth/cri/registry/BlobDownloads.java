package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Downloads in flight, one per blob: pulls that need the same blob at the same time share one download. A
 * download whose last interested pull gave up is cancelled.
 */
final class BlobDownloads {
    private final ConcurrentHashMap<Digest, Download> inflight = new ConcurrentHashMap<>();
    private final Executor executor;

    BlobDownloads(Executor executor) {
        this.executor = executor;
    }

    /** One download and the pulls waiting for it. */
    static final class Download {
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private int waiters;
        private boolean cancelled;

        CompletableFuture<Void> done() {
            return done;
        }

        synchronized boolean isCancelled() {
            return cancelled;
        }

        private synchronized boolean join() {
            if (cancelled) {
                return false;
            }
            waiters++;
            return true;
        }

        /**
         * The caller no longer waits for this download.
         *
         * @return whether that cancelled it (the caller was the last one waiting and it had not finished)
         */
        synchronized boolean leave() {
            if (--waiters == 0 && !done.isDone()) {
                cancelled = true;
                return true;
            }
            return false;
        }
    }

    /**
     * Joins the download of {@code digest} in flight, or starts {@code task} for it. The caller must
     * {@link Download#leave()} if it stops waiting before the download is done.
     */
    Download join(Digest digest, Consumer<Download> task) {
        while (true) {
            Download existing = inflight.get(digest);
            if (existing != null) {
                if (existing.join()) {
                    return existing;
                }
                existing.done.handle((v, e) -> null).join(); // a cancelled one holds the ingest until it stops
                inflight.remove(digest, existing);
                continue;
            }
            Download fresh = new Download();
            fresh.join();
            if (inflight.putIfAbsent(digest, fresh) == null) {
                try {
                    executor.execute(() -> run(digest, fresh, task));
                } catch (RuntimeException e) {
                    inflight.remove(digest, fresh);
                    fresh.done.completeExceptionally(e);
                }
                return fresh;
            }
        }
    }

    private void run(Digest digest, Download d, Consumer<Download> task) {
        Throwable failure = null;
        try {
            task.accept(d);
        } catch (Throwable t) {
            failure = t;
        }
        inflight.remove(digest, d); // before completing, so that a later pull starts afresh instead of seeing this
        if (failure == null) {
            d.done.complete(null);
        } else {
            d.done.completeExceptionally(failure);
        }
    }
}
