package dev.berth.cri.registry;

import dev.berth.core.content.ContentStore;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Filter;
import dev.berth.core.content.Info;
import dev.berth.core.content.Lease;
import dev.berth.core.content.ReaderAt;
import dev.berth.core.content.Status;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** A small content store in memory with the SPI's semantics that pulls rely on: verify on commit, ref locks, leases. */
final class InMemoryContentStore implements ContentStore {
    private final Map<Digest, byte[]> data = new HashMap<>();
    private final Map<Digest, Info> infos = new HashMap<>();
    private final Map<String, Ingest> ingests = new HashMap<>();
    private final Map<String, MemWriter> open = new HashMap<>();
    private final Map<String, Lease> leases = new HashMap<>();
    /** Every lease id ever created, to check that pulls take one. */
    final List<String> leaseHistory = new ArrayList<>();

    private static final class Ingest {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final long total;
        final Digest expected;
        final Instant started = Instant.now();

        Ingest(long total, Digest expected) {
            this.total = total;
            this.expected = expected;
        }
    }

    synchronized byte[] bytes(Digest d) {
        return data.get(d);
    }

    @Override
    public synchronized Optional<Info> info(Digest digest) {
        return Optional.ofNullable(infos.get(digest));
    }

    @Override
    public synchronized Info update(Digest digest, Map<String, String> labels) {
        Info i = infos.get(digest);
        if (i == null) {
            throw BerthException.notFound("content %s: not found", digest);
        }
        Map<String, String> l = new HashMap<>(i.labels());
        labels.forEach((k, v) -> {
            if (v.isEmpty()) {
                l.remove(k);
            } else {
                l.put(k, v);
            }
        });
        Info n = new Info(digest, i.size(), i.createdAt(), Instant.now(), l);
        infos.put(digest, n);
        return n;
    }

    @Override
    public void walk(Filter filter, Consumer<Info> consumer) {
        List<Info> all;
        synchronized (this) {
            all = new ArrayList<>(infos.values());
        }
        all.stream().filter(filter::matches).forEach(consumer);
    }

    @Override
    public synchronized void delete(Digest digest) {
        if (infos.remove(digest) == null) {
            throw BerthException.notFound("content %s: not found", digest);
        }
        data.remove(digest);
    }

    @Override
    public synchronized ReaderAt openReader(Digest digest) {
        byte[] b = data.get(digest);
        if (b == null) {
            throw BerthException.notFound("content %s: not found", digest);
        }
        return new ReaderAt() {
            @Override
            public long size() {
                return b.length;
            }

            @Override
            public int readAt(ByteBuffer dst, long offset) {
                if (offset >= b.length) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), b.length - offset);
                dst.put(b, (int) offset, n);
                return n;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public synchronized Writer writer(String ref, long expectedSize, Digest expected) {
        if (ref == null || ref.isBlank()) {
            throw BerthException.invalidArgument("ref must not be empty");
        }
        if (expected != null && data.containsKey(expected)) {
            throw new BerthException(ErrorKind.ALREADY_EXISTS, "content " + expected + ": already exists");
        }
        if (open.containsKey(ref)) {
            throw BerthException.unavailable("ref %s is locked", ref);
        }
        Ingest in = ingests.get(ref);
        if (in == null || in.total != expectedSize || !java.util.Objects.equals(in.expected, expected)) {
            in = new Ingest(expectedSize, expected);
            ingests.put(ref, in);
        }
        MemWriter w = new MemWriter(ref, in);
        open.put(ref, w);
        return w;
    }

    @Override
    public synchronized List<Status> ingests() {
        List<Status> out = new ArrayList<>();
        ingests.forEach((ref, in) -> out.add(new Status(ref, in.bytes.size(), in.total, Optional.ofNullable(in.expected),
                in.started, in.started)));
        return out;
    }

    @Override
    public synchronized void abort(String ref) {
        if (ingests.remove(ref) == null) {
            throw BerthException.notFound("ingest %s: not found", ref);
        }
        MemWriter w = open.remove(ref);
        if (w != null) {
            w.done = true;
        }
    }

    @Override
    public synchronized long usage() {
        return data.values().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public synchronized Lease createLease(String id, Map<String, String> labels, Duration expire) {
        if (leases.containsKey(id)) {
            throw new BerthException(ErrorKind.ALREADY_EXISTS, "lease " + id + " exists");
        }
        if (!id.matches("[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*") || id.length() > 76) {
            throw BerthException.invalidArgument("invalid lease id %s", id);
        }
        Instant now = Instant.now();
        Lease l = new Lease(id, labels, now, Optional.ofNullable(expire).map(now::plus), Set.of());
        leases.put(id, l);
        leaseHistory.add(id);
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
        if (l == null) {
            throw BerthException.notFound("lease %s: not found", leaseId);
        }
        Set<Digest> r = new HashSet<>(l.resources());
        r.add(digest);
        leases.put(leaseId, new Lease(l.id(), l.labels(), l.createdAt(), l.expiresAt(), r));
    }

    @Override
    public synchronized List<Lease> leases() {
        return new ArrayList<>(leases.values());
    }

    @Override
    public synchronized List<Lease> collectExpiredLeases() {
        List<Lease> gone = new ArrayList<>();
        leases.values().removeIf(l -> {
            if (l.expiredAt(Instant.now())) {
                gone.add(l);
                return true;
            }
            return false;
        });
        return gone;
    }

    private final class MemWriter implements Writer {
        private final String ref;
        private final Ingest in;
        private boolean done;

        MemWriter(String ref, Ingest in) {
            this.ref = ref;
            this.in = in;
        }

        private void check() {
            if (done) {
                throw BerthException.failedPrecondition("writer for ref %s is closed", ref);
            }
        }

        @Override
        public String ref() {
            return ref;
        }

        @Override
        public void write(ByteBuffer buf) {
            synchronized (InMemoryContentStore.this) {
                check();
                if (in.total >= 0 && in.bytes.size() + buf.remaining() > in.total) {
                    throw BerthException.failedPrecondition("write of ref %s past expected size %d", ref, in.total);
                }
                byte[] b = new byte[buf.remaining()];
                buf.get(b);
                in.bytes.write(b, 0, b.length);
            }
        }

        @Override
        public OutputStream outputStream() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    MemWriter.this.write(ByteBuffer.wrap(new byte[] {(byte) b}));
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    MemWriter.this.write(ByteBuffer.wrap(b, off, len));
                }
            };
        }

        @Override
        public long offset() {
            synchronized (InMemoryContentStore.this) {
                return in.bytes.size();
            }
        }

        @Override
        public Digest digest() {
            synchronized (InMemoryContentStore.this) {
                return Digest.sha256(in.bytes.toByteArray());
            }
        }

        @Override
        public Info commit(long size, Digest expected, Map<String, String> labels) {
            synchronized (InMemoryContentStore.this) {
                check();
                done = true;
                open.remove(ref);
                ingests.remove(ref);
                byte[] b = in.bytes.toByteArray();
                long want = size >= 0 ? size : in.total;
                if (want >= 0 && b.length != want) {
                    throw BerthException.failedPrecondition("commit of ref %s: unexpected size %d, expected %d; ingest discarded",
                            ref, b.length, want);
                }
                Digest exp = expected != null ? expected : in.expected;
                Digest actual = exp == null ? Digest.sha256(b) : Digest.of(exp.algorithm(), b);
                if (exp != null && !actual.equals(exp)) {
                    throw BerthException.failedPrecondition("commit of ref %s: unexpected digest %s, expected %s; ingest discarded",
                            ref, actual, exp);
                }
                if (data.containsKey(actual)) {
                    throw new BerthException(ErrorKind.ALREADY_EXISTS, "content " + actual + ": already exists");
                }
                Map<String, String> l = new HashMap<>();
                labels.forEach((k, v) -> {
                    if (!v.isEmpty()) {
                        l.put(k, v);
                    }
                });
                Instant now = Instant.now();
                Info info = new Info(actual, b.length, now, now, l);
                data.put(actual, b);
                infos.put(actual, info);
                return info;
            }
        }

        @Override
        public Status status() {
            synchronized (InMemoryContentStore.this) {
                return new Status(ref, in.bytes.size(), in.total, Optional.ofNullable(in.expected), in.started, in.started);
            }
        }

        @Override
        public void close() {
            synchronized (InMemoryContentStore.this) {
                if (!done) {
                    done = true;
                    open.remove(ref, this);
                }
            }
        }
    }
}
