package dev.berth.shim.runc;

import dev.berth.core.runtime.RuntimeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers runtime events to subscribers on one shim thread, in order, so a slow or throwing listener never stalls
 * or kills the thread that noticed the event. Events raised before anyone subscribed (exits found during recovery)
 * are held and handed to the first subscriber.
 */
final class EventHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    private final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<RuntimeEvent> early = new ArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "berth-runc-events");
        t.setDaemon(true);
        return t;
    });
    private boolean anySubscriber;

    void publish(RuntimeEvent e) {
        synchronized (early) {
            if (!anySubscriber) {
                early.add(e);
                return;
            }
        }
        dispatch(List.of(e));
    }

    AutoCloseable subscribe(Consumer<RuntimeEvent> listener) {
        listeners.add(listener);
        List<RuntimeEvent> held;
        synchronized (early) {
            anySubscriber = true;
            held = List.copyOf(early);
            early.clear();
        }
        if (!held.isEmpty()) {
            dispatch(held);
        }
        return () -> listeners.remove(listener);
    }

    private void dispatch(List<RuntimeEvent> events) {
        try {
            thread.execute(() -> {
                for (RuntimeEvent e : events) {
                    for (Consumer<RuntimeEvent> l : listeners) {
                        try {
                            l.accept(e);
                        } catch (RuntimeException | Error ex) {
                            LOG.warn("runtime event listener failed on {}", e, ex);
                        }
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // closed: the daemon is shutting down
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
