package dev.berth.cri;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls in flight by what they make (a pod, a container name). The kubelet retries RunPodSandbox and
 * CreateContainer after its own timeout while the first call still runs; the retry waits for that call and gets its
 * result (or its error) instead of failing with "name is reserved".
 */
public final class InFlight<K> {
    private static final Logger LOG = LoggerFactory.getLogger(InFlight.class);
    private final String rpc;
    private final Map<K, Call> calls = new ConcurrentHashMap<>();

    /** One call in flight and how many retries wait for it. */
    private static final class Call {
        final CompletableFuture<String> result = new CompletableFuture<>();
        final AtomicInteger joined = new AtomicInteger();
    }

    /** @param rpc the RPC's name, for the log line of a joined call */
    public InFlight(String rpc) {
        this.rpc = rpc;
    }

    /** Runs {@code call} for {@code key}, or joins the call already running for it; returns the id it made. */
    public String run(K key, Supplier<String> call) {
        return run(key, call, id -> { });
    }

    /**
     * As {@link #run(Object, Supplier)}; and when the client of the call has gone by the time it is done (cancelled, or
     * past its deadline: {@link CallCancellation}) and no retry joined it, {@code undo} takes back what it made and
     * the call ends CANCELLED, so nobody is left with a pod or container they never learnt of.
     */
    public String run(K key, Supplier<String> call, Consumer<String> undo) {
        Call mine = new Call();
        Call running = calls.putIfAbsent(key, mine);
        if (running != null) {
            running.joined.incrementAndGet();
            LOG.info("{} for {} is already in flight; waiting for its result", rpc, key);
            return join(running.result);
        }
        try {
            String id = call.get();
            if (CallCancellation.requested() && mine.joined.get() == 0) {
                LOG.info("{} for {}: the client has gone; undoing {}", rpc, key, id);
                undo.accept(id);
                throw new BerthException(ErrorKind.CANCELLED, rpc + " for " + key
                        + ": the client has gone (cancelled, or past its deadline); what it made is removed");
            }
            mine.result.complete(id);
            return id;
        } catch (RuntimeException e) {
            mine.result.completeExceptionally(e);
            throw e;
        } finally {
            calls.remove(key, mine);
        }
    }

    private static String join(CompletableFuture<String> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }
}
