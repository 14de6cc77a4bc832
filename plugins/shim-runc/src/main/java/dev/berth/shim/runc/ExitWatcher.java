package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices container exits on one thread: an inotify watch on each live container's exit dir (conmon writes the exit
 * file there), plus a sweep every second that catches what a watch cannot (a file written before the watch was set,
 * a monitor that died without writing one). The shim's {@code settle} decides; it returns true once the container
 * reached its final state, and the watch is dropped.
 */
final class ExitWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExitWatcher.class);
    private final WatchService watch;
    private final Predicate<String> settle;
    private final Map<String, WatchKey> keys = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    ExitWatcher(Predicate<String> settle) {
        this.settle = settle;
        try {
            this.watch = FileSystems.getDefault().newWatchService();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.thread = new Thread(this::loop, "berth-runc-exits");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching container {@code id}, whose exit file will appear in {@code exitDir}. */
    void watch(String id, Path exitDir) {
        try {
            WatchKey k = exitDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            keys.put(id, k);
        } catch (IOException | ClosedWatchServiceException e) {
            // The sweep still covers it, once a second.
            keys.put(id, NO_KEY);
        }
    }

    void unwatch(String id) {
        WatchKey k = keys.remove(id);
        if (k != null && k != NO_KEY) {
            k.cancel();
        }
    }

    private void loop() {
        long nextSweep = System.nanoTime();
        while (!closed) {
            try {
                WatchKey k = watch.poll(250, TimeUnit.MILLISECONDS);
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                    for (Map.Entry<String, WatchKey> e : keys.entrySet()) {
                        if (e.getValue() == k) {
                            check(e.getKey());
                        }
                    }
                }
                if (System.nanoTime() - nextSweep >= 0) {
                    for (String id : List.copyOf(keys.keySet())) {
                        check(id);
                    }
                    nextSweep = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("exit watcher: {}", e.toString(), e);
            }
        }
    }

    private void check(String id) {
        try {
            if (settle.test(id)) {
                unwatch(id);
            }
        } catch (RuntimeException e) {
            LOG.warn("checking container {} for an exit failed: {}", id, e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watch.close();
            thread.join(2000);
        } catch (IOException e) {
            LOG.debug("closing the exit watch: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Placeholder for a container watched by the sweep only. */
    private static final WatchKey NO_KEY = new WatchKey() {
        @Override
        public boolean isValid() {
            return false;
        }

        @Override
        public List<java.nio.file.WatchEvent<?>> pollEvents() {
            return List.of();
        }

        @Override
        public boolean reset() {
            return false;
        }

        @Override
        public void cancel() {
        }

        @Override
        public java.nio.file.Watchable watchable() {
            return null;
        }
    };
}
