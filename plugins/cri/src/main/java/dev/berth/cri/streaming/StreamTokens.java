package dev.berth.cri.streaming;

import dev.berth.core.errdefs.BerthException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The secret in each streaming URL: unguessable, used once, and only for a short while. The URL is the only
 * credential the client presents, so a token must not outlive its first use or its time to live.
 */
final class StreamTokens {
    /** 256 bits: as much as the kubelet's own tokens carry. */
    static final int TOKEN_BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final long ttlNanos;
    private final int maxPending;
    private final LongSupplier nanoClock;
    private final SecureRandom random;
    /** Insertion order is expiry order (one TTL for all), so purging stops at the first live token. */
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();

    private record Pending(StreamTarget target, long expiresAt) {
    }

    /**
     * @param nanoClock a monotonic clock ({@code System::nanoTime}); wall-clock jumps must not revive or kill tokens
     */
    StreamTokens(Duration ttl, int maxPending, LongSupplier nanoClock, SecureRandom random) {
        this.ttlNanos = ttl.toNanos();
        this.maxPending = maxPending;
        this.nanoClock = nanoClock;
        this.random = random;
    }

    /**
     * A new token for {@code target}.
     *
     * @throws BerthException RESOURCE_EXHAUSTED when {@code maxPending} unused, unexpired tokens exist
     */
    synchronized String issue(StreamTarget target) {
        long now = nanoClock.getAsLong();
        purge(now);
        if (pending.size() >= maxPending) {
            throw BerthException.resourceExhausted("%d streaming requests are waiting for their clients (max_pending_streams); "
                    + "try again when some are used or expired", pending.size());
        }
        byte[] b = new byte[TOKEN_BYTES];
        random.nextBytes(b);
        String token = ENCODER.encodeToString(b);
        // A repeat of 256 random bits means the random source is broken; refuse rather than hand out a shared URL.
        if (pending.putIfAbsent(token, new Pending(target, now + ttlNanos)) != null) {
            throw new IllegalStateException("the random source repeated a streaming token");
        }
        return token;
    }

    /** The target of {@code token}, which is gone afterwards; empty when unknown, used or expired. */
    synchronized Optional<StreamTarget> consume(String token) {
        long now = nanoClock.getAsLong();
        purge(now);
        Pending p = pending.remove(token);
        return p == null ? Optional.empty() : Optional.of(p.target());
    }

    /** Tokens issued and neither used nor expired. */
    synchronized int pending() {
        purge(nanoClock.getAsLong());
        return pending.size();
    }

    private void purge(long now) {
        Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue().expiresAt() < 0) {
                return;
            }
            it.remove();
        }
    }
}
