package dev.berth.cri.images;

import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Filter;
import dev.berth.core.content.Info;
import dev.berth.core.content.Lease;
import dev.berth.core.content.ReaderAt;
import dev.berth.core.content.Status;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** The metadata half of a content store (labels, leases, delete rules), enough for garbage collection. */
final class FakeContentStore implements ContentStore {
    private final Map<Digest, Info> blobs = new LinkedHashMap<>();
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Clock clock;
    /** Called before each delete, e.g. to take a lease between a collection's mark and sweep. */
    volatile Consumer<Digest> beforeDelete = d -> { };

    FakeContentStore(Clock clock) {
        this.clock = clock;
    }

    /** Adds a blob of {@code size} bytes whose digest derives from {@code name}. */
    synchronized Digest add(String name, long size, Map<String, String> labels) {
        Digest d = Digest.sha256(name.getBytes(StandardCharsets.UTF_8));
        Instant now = clock.instant();
        blobs.put(d, new Info(d, size, now, now, labels));
        return d;
    }

    synchronized Set<Digest> digests() {
        return new LinkedHashSet<>(blobs.keySet());
    }

    @Override
    public synchronized Optional<Info> info(Digest digest) {
        return Optional.ofNullable(blobs.get(digest));
    }

    @Override
    public synchronized Info update(Digest digest, Map<String, String> labels) {
        Info i = info(digest).orElseThrow(() -> BerthException.notFound("content %s: not found", digest));
        Map<String, String> l = new HashMap<>(i.labels());
        labels.forEach((k, v) -> {
            if (v.isEmpty()) {
                l.remove(k);
            } else {
                l.put(k, v);
            }
        });
        Info updated = new Info(digest, i.size(), i.createdAt(), clock.instant(), l);
        blobs.put(digest, updated);
        return updated;
    }

    @Override
    public void walk(Filter filter, Consumer<Info> consumer) {
        List<Info> all;
        synchronized (this) {
            all = new ArrayList<>(blobs.values());
        }
        all.stream().filter(filter::matches).forEach(consumer);
    }

    @Override
    public void delete(Digest digest) {
        beforeDelete.accept(digest);
        deleteNow(digest);
    }

    private synchronized void deleteNow(Digest digest) {
        if (!blobs.containsKey(digest)) {
            throw BerthException.notFound("content %s: not found", digest);
        }
        for (Lease l : leases.values()) {
            if (!l.expiredAt(clock.instant()) && l.resources().contains(digest)) {
                throw BerthException.failedPrecondition("content %s is held by lease %s", digest, l.id());
            }
        }
        blobs.remove(digest);
    }

    @Override
    public synchronized long usage() {
        return blobs.values().stream().mapToLong(Info::size).sum();
    }

    @Override
    public synchronized Lease createLease(String id, Map<String, String> labels, Duration expire) {
        Instant now = clock.instant();
        Lease l = new Lease(id, labels, now, Optional.ofNullable(expire).map(now::plus), Set.of());
        leases.put(id, l);
        return l;
    }

    @Override
    public synchronized void deleteLease(String id) {
        if (leases.remove(id) == null) {
            throw BerthException.notFound("lease %s: not found", id);
        }
    }

    @Override
    public synchronized void addLeaseResource(String leaseId, Digest digest) {
        Lease l = leases.get(leaseId);
        Set<Digest> r = new LinkedHashSet<>(l.resources());
        r.add(digest);
        leases.put(leaseId, new Lease(l.id(), l.labels(), l.createdAt(), l.expiresAt(), r));
    }

    @Override
    public synchronized List<Lease> leases() {
        return new ArrayList<>(leases.values());
    }

    @Override
    public synchronized List<Lease> collectExpiredLeases() {
        List<Lease> expired = leases.values().stream().filter(l -> l.expiredAt(clock.instant())).toList();
        expired.forEach(l -> leases.remove(l.id()));
        return expired;
    }

    @Override
    public ReaderAt openReader(Digest digest) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Writer writer(String ref, long expectedSize, Digest expected) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Status> ingests() {
        return List.of();
    }

    @Override
    public void abort(String ref) {
        throw new UnsupportedOperationException();
    }
}
