package dev.berth.cri;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Map<K, CompletableFuture<String>> calls = new ConcurrentHashMap<>();

    /** @param rpc the RPC's name, for the log line of a joined call */
    public InFlight(String rpc) {
        this.rpc = rpc;
    }

    /** Runs {@code call} for {@code key}, or joins the call already running for it; returns the id it made. */
    public String run(K key, Supplier<String> call) {
        CompletableFuture<String> mine = new CompletableFuture<>();
        CompletableFuture<String> running = calls.putIfAbsent(key, mine);
        if (running != null) {
            LOG.info("{} for {} is already in flight; waiting for its result", rpc, key);
            return join(running);
        }
        try {
            String id = call.get();
            mine.complete(id);
            return id;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
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
