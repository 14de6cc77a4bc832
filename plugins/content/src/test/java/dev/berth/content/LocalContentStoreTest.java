package dev.berth.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.Digest;
import dev.berth.core.content.Filter;
import dev.berth.core.content.Info;
import dev.berth.core.content.Lease;
import dev.berth.core.content.ReaderAt;
import dev.berth.core.content.Status;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalContentStoreTest {
    @TempDir
    Path dir;

    private Path root;
    private final MutableClock clock = new MutableClock(Instant.parse("2024-05-01T10:00:00Z"));
    private final List<LocalContentStore> opened = new ArrayList<>();
    private LocalContentStore store;

    @BeforeEach
    void setUp() {
        root = dir.resolve("io.berth.content.v1.local");
        store = open(root);
    }

    @AfterEach
    void tearDown() {
        opened.forEach(LocalContentStore::close);
    }

    private LocalContentStore open(Path r) {
        LocalContentStore s = LocalContentStore.open(r, clock);
        opened.add(s);
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Info put(String ref, byte[] data, Map<String, String> labels) {
        try (Writer w = store.writer(ref, data.length, Digest.sha256(data))) {
            w.write(ByteBuffer.wrap(data));
            return w.commit(data.length, Digest.sha256(data), labels);
        }
    }

    private static byte[] readAll(ReaderAt r) throws IOException {
        return r.readAll();
    }

    private static void assertKind(ThrowingCallable call, ErrorKind kind, String... messageParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BerthException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            for (String part : messageParts) {
                assertThat(e.getMessage()).contains(part);
            }
        });
    }

    @Test
    void writeCommitAndReadAtOffset() throws Exception {
        byte[] data = random(300_000, 1);
        Digest d = Digest.sha256(data);
        Info info;
        try (Writer w = store.writer("layer-1", data.length, d)) {
            w.write(ByteBuffer.wrap(data, 0, 1000));
            assertThat(w.offset()).isEqualTo(1000);
            assertThat(w.digest()).isEqualTo(Digest.sha256(Arrays.copyOf(data, 1000)));
            w.write(ByteBuffer.wrap(data, 1000, data.length - 1000));
            assertThat(w.digest()).isEqualTo(d);
            info = w.commit(data.length, d, Map.of("a", "b", "dropped", ""));
        }
        assertThat(info.digest()).isEqualTo(d);
        assertThat(info.size()).isEqualTo(data.length);
        assertThat(info.labels()).containsExactly(Map.entry("a", "b"));
        assertThat(info.createdAt()).isEqualTo(clock.instant());
        assertThat(store.info(d)).contains(info);

        try (ReaderAt r = store.openReader(d)) {
            assertThat(r.size()).isEqualTo(data.length);
            ByteBuffer buf = ByteBuffer.allocate(500);
            assertThat(r.readAt(buf, 123_456)).isEqualTo(500);
            assertThat(buf.array()).isEqualTo(Arrays.copyOfRange(data, 123_456, 123_956));
            ByteBuffer tail = ByteBuffer.allocate(100);
            assertThat(r.readAt(tail, data.length - 10)).isEqualTo(10);
            assertThat(r.readAt(ByteBuffer.allocate(1), data.length)).isEqualTo(-1);
            assertThat(r.inputStream(299_990).readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 299_990, data.length));
            assertThat(readAll(r)).isEqualTo(data);
        }

        Path blob = root.resolve("blobs/sha256/" + d.hex());
        assertThat(blob).isRegularFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("r--r--r--");
        assertThat(store.ingests()).isEmpty();
        assertThat(store.usage()).isEqualTo(data.length);
        try (Stream<Path> s = Files.list(root.resolve("ingest"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void outputStreamViewAndUnknownSizeAndDigest() throws Exception {
        byte[] data = bytes("hello, berth");
        Info info;
        try (Writer w = store.writer("config", -1, null)) {
            try (OutputStream out = w.outputStream()) {
                out.write(data, 0, 5);
                out.write(data[5]);
                out.write(data, 6, data.length - 6);
            }
            info = w.commit(-1, null, Map.of());
        }
        assertThat(info.digest()).isEqualTo(Digest.sha256(data));
        try (ReaderAt r = store.openReader(info.digest())) {
            assertThat(r.readAll()).isEqualTo(data);
        }
    }

    @Test
    void sizeMismatchDiscardsIngest() {
        byte[] data = bytes("0123456789");
        Writer w = store.writer("short", -1, null);
        w.write(ByteBuffer.wrap(data));
        assertKind(() -> w.commit(11, Digest.sha256(data), Map.of()), ErrorKind.FAILED_PRECONDITION,
                "unexpected size 10", "expected 11");
        assertThat(store.ingests()).isEmpty();
        assertThat(store.info(Digest.sha256(data))).isEmpty();
        assertKind(() -> w.write(ByteBuffer.wrap(data)), ErrorKind.FAILED_PRECONDITION);
        // the ref is free again and starts from zero
        try (Writer again = store.writer("short", -1, null)) {
            assertThat(again.offset()).isZero();
        }
    }

    @Test
    void sizeGivenAtOpenIsCheckedAtCommit() {
        Writer w = store.writer("short", 20, null);
        w.write(ByteBuffer.wrap(bytes("abc")));
        assertKind(() -> w.commit(-1, null, Map.of()), ErrorKind.FAILED_PRECONDITION, "unexpected size 3, expected 20");
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void writePastExpectedSizeFails() {
        try (Writer w = store.writer("small", 4, null)) {
            w.write(ByteBuffer.wrap(bytes("abc")));
            assertKind(() -> w.write(ByteBuffer.wrap(bytes("de"))), ErrorKind.FAILED_PRECONDITION, "expected size 4");
            assertThat(w.offset()).isEqualTo(3);
        }
    }

    @Test
    void digestMismatchDiscardsIngest() {
        byte[] data = bytes("real content");
        Digest wrong = Digest.sha256(bytes("other content"));
        Writer w = store.writer("bad", data.length, null);
        w.write(ByteBuffer.wrap(data));
        assertKind(() -> w.commit(data.length, wrong, Map.of()), ErrorKind.FAILED_PRECONDITION,
                "expected " + wrong, "unexpected digest " + Digest.sha256(data));
        assertThat(store.ingests()).isEmpty();
        assertThat(store.info(wrong)).isEmpty();
        assertThat(store.info(Digest.sha256(data))).isEmpty();
        assertThat(store.usage()).isZero();
    }

    @Test
    void digestGivenAtOpenIsCheckedAtCommit() {
        Digest wrong = Digest.sha256(bytes("x"));
        Writer w = store.writer("bad", -1, wrong);
        w.write(ByteBuffer.wrap(bytes("y")));
        assertKind(() -> w.commit(-1, null, Map.of()), ErrorKind.FAILED_PRECONDITION, "expected " + wrong);
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void sha512Blobs() throws Exception {
        byte[] data = random(70_000, 2);
        Digest d = Digest.of(Digest.SHA512, data);
        try (Writer w = store.writer("s512", data.length, d)) {
            w.write(ByteBuffer.wrap(data));
            assertThat(w.digest()).isEqualTo(d);
            w.commit(data.length, d, Map.of());
        }
        assertThat(root.resolve("blobs/sha512/" + d.hex())).isRegularFile();
        assertThat(store.info(d)).get().extracting(Info::size).isEqualTo((long) data.length);
        try (ReaderAt r = store.openReader(d)) {
            assertThat(r.readAll()).isEqualTo(data);
        }
    }

    @Test
    void commitVerifiesADigestOfAnotherAlgorithmThanTheRunningOne() {
        byte[] data = bytes("no expectations at open");
        Digest d512 = Digest.of(Digest.SHA512, data);
        try (Writer w = store.writer("late", -1, null)) {
            w.write(ByteBuffer.wrap(data));
            assertThat(w.commit(data.length, d512, Map.of()).digest()).isEqualTo(d512);
        }
        assertThat(store.info(d512)).isPresent();
    }

    @Test
    void resumesAfterClose() {
        byte[] data = random(100_000, 3);
        Digest d = Digest.sha256(data);
        try (Writer w = store.writer("resume", data.length, d)) {
            w.write(ByteBuffer.wrap(data, 0, 40_000));
        }
        assertThat(store.ingests()).singleElement().satisfies(s -> {
            assertThat(s.ref()).isEqualTo("resume");
            assertThat(s.offset()).isEqualTo(40_000);
            assertThat(s.total()).isEqualTo(data.length);
            assertThat(s.expected()).contains(d);
            assertThat(s.startedAt()).isEqualTo(clock.instant());
        });
        clock.advance(Duration.ofMinutes(1));
        try (Writer w = store.writer("resume", data.length, d)) {
            assertThat(w.offset()).isEqualTo(40_000);
            assertThat(w.digest()).isEqualTo(Digest.sha256(Arrays.copyOf(data, 40_000)));
            assertThat(w.status().startedAt()).isEqualTo(clock.instant().minus(Duration.ofMinutes(1)));
            w.write(ByteBuffer.wrap(data, 40_000, data.length - 40_000));
            assertThat(w.commit(data.length, d, Map.of()).digest()).isEqualTo(d);
        }
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void resumesAfterCrashInANewStoreInstance() throws Exception {
        byte[] data = random(200_000, 4);
        Digest d = Digest.sha256(data);
        Writer w = store.writer("crash", data.length, d);
        w.write(ByteBuffer.wrap(data, 0, 123_457));
        // kill -9 now: the disk holds what was written, the writer is never closed. A copy of the root taken
        // at this point is exactly what the next daemon finds.
        Path after = dir.resolve("after-crash");
        copyTree(root, after);

        LocalContentStore restarted = open(after);
        assertThat(restarted.ingests()).extracting(Status::ref, Status::offset).containsExactly(
                org.assertj.core.groups.Tuple.tuple("crash", 123_457L));
        assertThat(restarted.info(d)).isEmpty();
        try (Writer resumed = restarted.writer("crash", data.length, d)) {
            assertThat(resumed.offset()).isEqualTo(123_457);
            resumed.write(ByteBuffer.wrap(data, 123_457, data.length - 123_457));
            resumed.commit(data.length, d, Map.of("k", "v"));
        }
        try (ReaderAt r = restarted.openReader(d)) {
            assertThat(r.readAll()).isEqualTo(data);
        }
        assertThat(restarted.info(d)).get().extracting(Info::labels).isEqualTo(Map.of("k", "v"));
        w.close();
    }

    @Test
    void resumesAfterCloseOfTheWholeStore() {
        byte[] data = random(5000, 5);
        Digest d = Digest.sha256(data);
        Writer w = store.writer("reopen", data.length, d);
        w.write(ByteBuffer.wrap(data, 0, 1000));
        store.close(); // closes the open writer, keeps its ingest
        assertKind(() -> w.write(ByteBuffer.wrap(data)), ErrorKind.FAILED_PRECONDITION, "closed");
        assertKind(() -> store.info(d), ErrorKind.UNAVAILABLE, "closed");

        LocalContentStore reopened = open(root);
        try (Writer again = reopened.writer("reopen", -1, null)) {
            assertThat(again.offset()).isEqualTo(1000);
            again.write(ByteBuffer.wrap(data, 1000, data.length - 1000));
            again.commit(-1, null, Map.of()); // expectations recorded by the first writer still apply
        }
        assertThat(reopened.info(d)).isPresent();
    }

    @Test
    void differentExpectationsResetTheIngest() {
        try (Writer w = store.writer("r", 10, null)) {
            w.write(ByteBuffer.wrap(bytes("12345")));
        }
        try (Writer w = store.writer("r", 12, null)) {
            assertThat(w.offset()).isZero();
        }
        try (Writer w = store.writer("r", 12, null)) {
            w.write(ByteBuffer.wrap(bytes("abc")));
        }
        Digest other = Digest.sha256(bytes("something else"));
        try (Writer w = store.writer("r", 12, other)) { // the ingest had no digest: keep the bytes, record it
            assertThat(w.offset()).isEqualTo(3);
        }
        try (Writer w = store.writer("r", 12, Digest.sha256(bytes("third")))) {
            assertThat(w.offset()).isZero();
        }
    }

    @Test
    void oneWriterPerRef() {
        Writer first = store.writer("locked", -1, null);
        assertKind(() -> store.writer("locked", -1, null), ErrorKind.UNAVAILABLE, "ref locked is locked");
        try (Writer other = store.writer("other", -1, null)) {
            assertThat(other.ref()).isEqualTo("other");
        }
        first.write(ByteBuffer.wrap(bytes("abc")));
        first.close();
        first.close(); // idempotent
        try (Writer second = store.writer("locked", -1, null)) {
            assertThat(second.offset()).isEqualTo(3);
        }
    }

    @Test
    void concurrentWritersOfDifferentRefs() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Digest>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] data = random(50_000 + i * 1000, 100 + i);
                String ref = "parallel-" + i;
                Callable<Digest> job = () -> {
                    start.await();
                    try (Writer w = store.writer(ref, data.length, null)) {
                        for (int off = 0; off < data.length; off += 4096) {
                            w.write(ByteBuffer.wrap(data, off, Math.min(4096, data.length - off)));
                        }
                        return w.commit(data.length, Digest.sha256(data), Map.of("ref", ref)).digest();
                    }
                };
                results.add(pool.submit(job));
            }
            start.countDown();
            for (int i = 0; i < n; i++) {
                Digest d = results.get(i).get();
                byte[] want = random(50_000 + i * 1000, 100 + i);
                assertThat(d).isEqualTo(Digest.sha256(want));
                try (ReaderAt r = store.openReader(d)) {
                    assertThat(r.readAll()).isEqualTo(want);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        List<Info> all = new ArrayList<>();
        store.walk(Filter.all(), all::add);
        assertThat(all).hasSize(n);
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void duplicateCommitIsAlreadyExistsAndRemovesTheIngest() {
        byte[] data = bytes("same bytes");
        Digest d = Digest.sha256(data);
        Info first = put("one", data, Map.of("first", "yes"));
        Writer w = store.writer("two", data.length, null);
        w.write(ByteBuffer.wrap(data));
        assertKind(() -> w.commit(data.length, d, Map.of("second", "yes")), ErrorKind.ALREADY_EXISTS, d.toString());
        assertThat(store.ingests()).isEmpty();
        assertThat(store.info(d)).contains(first);
        // a writer that names an existing digest up front has nothing to do
        assertKind(() -> store.writer("three", data.length, d), ErrorKind.ALREADY_EXISTS, d.toString());
        // and its ref is not left locked
        store.writer("three", -1, null).close();
    }

    @Test
    void labelsUpdateDeleteAndWalkFilters() {
        Info a = put("a", bytes("aaa"), Map.of(ContentLabels.GC_ROOT, "2024-05-01T10:00:00Z", "team", "x"));
        Info b = put("b", bytes("bbb"), Map.of("team", "y"));
        Info c = put("c", bytes("ccc"), Map.of());

        clock.advance(Duration.ofSeconds(5));
        Info updated = store.update(b.digest(), Map.of("team", "", ContentLabels.gcRefContent("l.0"), a.digest().toString(),
                "new", "1"));
        assertThat(updated.labels()).containsOnly(
                Map.entry(ContentLabels.gcRefContent("l.0"), a.digest().toString()), Map.entry("new", "1"));
        assertThat(updated.updatedAt()).isEqualTo(clock.instant());
        assertThat(updated.createdAt()).isEqualTo(b.createdAt());
        assertThat(store.info(b.digest())).contains(updated);

        assertThat(walk(Filter.all())).containsExactlyInAnyOrder(a.digest(), b.digest(), c.digest());
        assertThat(walk(Filter.hasLabel(ContentLabels.GC_ROOT))).containsExactly(a.digest());
        assertThat(walk(Filter.label("team", "x"))).containsExactly(a.digest());
        assertThat(walk(Filter.label("team", "y"))).isEmpty();
        assertThat(walk(Filter.hasLabel("new").and(Filter.label("new", "1")))).containsExactly(b.digest());
        assertThat(walk(Filter.digestPrefix(c.digest().toString().substring(0, 12)))).containsExactly(c.digest());
        assertThat(walk(Filter.digestPrefix("sha512:"))).isEmpty();

        assertKind(() -> store.update(Digest.sha256(bytes("nope")), Map.of("a", "b")), ErrorKind.NOT_FOUND);
        assertKind(() -> store.update(a.digest(), Map.of("", "b")), ErrorKind.INVALID_ARGUMENT, "key");
        assertKind(() -> store.update(a.digest(), Map.of("big", "v".repeat(5000))), ErrorKind.INVALID_ARGUMENT, "big");
    }

    @Test
    void walkConsumerMayDelete() {
        put("a", bytes("1"), Map.of("tmp", "true"));
        put("b", bytes("2"), Map.of("tmp", "true"));
        put("c", bytes("3"), Map.of());
        store.walk(Filter.hasLabel("tmp"), info -> store.delete(info.digest()));
        assertThat(walk(Filter.all())).containsExactly(Digest.sha256(bytes("3")));
    }

    private List<Digest> walk(Filter f) {
        List<Digest> out = new ArrayList<>();
        store.walk(f, i -> out.add(i.digest()));
        return out;
    }

    @Test
    void delete() throws Exception {
        byte[] data = bytes("to delete");
        Digest d = put("x", data, Map.of("l", "v")).digest();
        ReaderAt open = store.openReader(d);
        store.delete(d);
        assertThat(store.info(d)).isEmpty();
        assertKind(() -> store.openReader(d), ErrorKind.NOT_FOUND, d.toString());
        assertKind(() -> store.delete(d), ErrorKind.NOT_FOUND, d.toString());
        assertThat(store.usage()).isZero();
        assertThat(open.readAll()).isEqualTo(data); // an open reader outlives the delete
        open.close();
        // committed again, it starts without the old labels
        assertThat(put("y", data, Map.of()).labels()).isEmpty();
    }

    @Test
    void leasesProtectUntilDeletedOrExpired() {
        Digest d = put("a", bytes("leased"), Map.of()).digest();
        Digest notYetWritten = Digest.sha256(bytes("later"));
        Lease l = store.createLease("pull-1", Map.of("image", "busybox"), Duration.ofMinutes(10));
        assertThat(l.expiresAt()).contains(clock.instant().plus(Duration.ofMinutes(10)));
        store.addLeaseResource("pull-1", d);
        store.addLeaseResource("pull-1", notYetWritten);
        store.addLeaseResource("pull-1", d); // idempotent
        Lease forever = store.createLease("forever", Map.of(), null);
        assertThat(forever.expiresAt()).isEmpty();

        assertThat(store.leases()).extracting(Lease::id).containsExactlyInAnyOrder("pull-1", "forever");
        Lease listed = store.leases().stream().filter(x -> x.id().equals("pull-1")).findFirst().orElseThrow();
        assertThat(listed.resources()).containsExactlyInAnyOrder(d, notYetWritten);
        assertThat(listed.labels()).containsEntry("image", "busybox");

        assertKind(() -> store.delete(d), ErrorKind.FAILED_PRECONDITION, "lease pull-1");
        assertThat(store.collectExpiredLeases()).isEmpty();

        clock.advance(Duration.ofMinutes(10));
        assertThat(store.collectExpiredLeases()).extracting(Lease::id).containsExactly("pull-1");
        assertThat(store.leases()).extracting(Lease::id).containsExactly("forever");
        store.delete(d);

        assertKind(() -> store.createLease("forever", Map.of(), null), ErrorKind.ALREADY_EXISTS, "forever");
        assertKind(() -> store.addLeaseResource("gone", d), ErrorKind.NOT_FOUND, "gone");
        assertKind(() -> store.deleteLease("gone"), ErrorKind.NOT_FOUND, "gone");
        assertKind(() -> store.createLease("bad id!", Map.of(), null), ErrorKind.INVALID_ARGUMENT, "bad id!");
        assertKind(() -> store.createLease("neg", Map.of(), Duration.ofSeconds(-1)), ErrorKind.INVALID_ARGUMENT, "neg");
        store.deleteLease("forever");
        assertThat(store.leases()).isEmpty();
    }

    @Test
    void expiredLeaseNoLongerProtects() {
        Digest d = put("a", bytes("leased"), Map.of()).digest();
        store.createLease("short", Map.of(), Duration.ofSeconds(1));
        store.addLeaseResource("short", d);
        clock.advance(Duration.ofSeconds(2));
        store.delete(d);
        assertThat(store.leases()).hasSize(1); // still listed until collected
    }

    @Test
    void metadataSurvivesReopen() {
        Info a = put("a", bytes("persist"), Map.of("keep", "me"));
        clock.advance(Duration.ofSeconds(1));
        Info updated = store.update(a.digest(), Map.of("more", "yes"));
        store.createLease("l1", Map.of("x", "y"), Duration.ofHours(1));
        store.addLeaseResource("l1", a.digest());
        store.close();

        LocalContentStore reopened = open(root);
        assertThat(reopened.info(a.digest())).contains(updated);
        assertThat(reopened.leases()).singleElement().satisfies(l -> {
            assertThat(l.id()).isEqualTo("l1");
            assertThat(l.labels()).containsEntry("x", "y");
            assertThat(l.resources()).containsExactly(a.digest());
            assertThat(l.expiresAt()).contains(Instant.parse("2024-05-01T11:00:01Z"));
        });
    }

    @Test
    void partialIngestIsNeverVisible() {
        byte[] data = random(10_000, 6);
        Digest d = Digest.sha256(data);
        try (Writer w = store.writer("partial", data.length, d)) {
            w.write(ByteBuffer.wrap(data, 0, 9_999));
            assertThat(store.info(d)).isEmpty();
            assertKind(() -> store.openReader(d), ErrorKind.NOT_FOUND, d.toString());
            assertThat(walk(Filter.all())).isEmpty();
            assertThat(store.usage()).isZero();
        }
        assertThat(store.ingests()).extracting(Status::offset).containsExactly(9_999L);
        store.abort("partial");
        assertThat(store.ingests()).isEmpty();
        assertKind(() -> store.abort("partial"), ErrorKind.NOT_FOUND, "partial");
    }

    @Test
    void abortOfAnOpenWriterFailsTheWriter() {
        Writer w = store.writer("doomed", -1, null);
        w.write(ByteBuffer.wrap(bytes("abc")));
        store.abort("doomed");
        assertThat(store.ingests()).isEmpty();
        assertKind(() -> w.write(ByteBuffer.wrap(bytes("d"))), ErrorKind.FAILED_PRECONDITION, "doomed");
        assertKind(() -> w.commit(-1, null, Map.of()), ErrorKind.FAILED_PRECONDITION, "doomed");
        w.close();
        try (Writer fresh = store.writer("doomed", -1, null)) {
            assertThat(fresh.offset()).isZero();
        }
    }

    @Test
    void crashBetweenMetadataAndRenameLeavesNoBlob() {
        byte[] data = bytes("half committed");
        Digest d = Digest.sha256(data);
        store.close();
        // what a crash after the metadata commit and before the rename leaves behind
        try (MetadataDb db = new MetadataDb(root.resolve("meta.db"))) {
            db.putBlob(d, new BlobMeta(Instant.EPOCH, Instant.EPOCH, Map.of("stale", "label")));
        }
        store = open(root);
        assertThat(store.info(d)).isEmpty();
        assertThat(put("again", data, Map.of()).labels()).isEmpty();
    }

    @Test
    void incompleteIngestDirectoriesAreRemovedAtStart() throws Exception {
        store.close();
        Path junk = root.resolve("ingest/" + IngestDir.TEMP_PREFIX + "x");
        Files.createDirectories(junk);
        Path noRef = root.resolve("ingest/abc");
        Files.createDirectories(noRef);
        Files.write(noRef.resolve("data"), bytes("x"));
        store = open(root);
        assertThat(junk).doesNotExist();
        assertThat(noRef).doesNotExist();
        assertThat(store.ingests()).isEmpty();
    }

    @Test
    void invalidInputIsRejected() {
        assertKind(() -> Digest.parse("sha256:xyz"), ErrorKind.INVALID_ARGUMENT, "sha256:xyz");
        assertKind(() -> store.writer("", -1, null), ErrorKind.INVALID_ARGUMENT, "ref");
        assertKind(() -> store.writer("r", -2, null), ErrorKind.INVALID_ARGUMENT, "-2");
        try (Writer w = store.writer("r", -1, null)) {
            assertKind(() -> w.commit(-1, null, Map.of("", "v")), ErrorKind.INVALID_ARGUMENT, "key");
            w.write(ByteBuffer.wrap(bytes("still usable")));
        }
        assertKind(() -> store.abort(" "), ErrorKind.INVALID_ARGUMENT, "ref");
    }

    @Test
    void strayFilesInBlobsAreIgnored() throws Exception {
        put("a", bytes("real"), Map.of());
        Files.write(root.resolve("blobs/sha256/not-a-digest"), bytes("junk"));
        assertThat(walk(Filter.all())).containsExactly(Digest.sha256(bytes("real")));
        assertThat(store.usage()).isEqualTo(4);
    }

    @Test
    void metadataFileStaysSmallUnderManyCommits() throws Exception {
        Digest d = put("a", bytes("busy"), Map.of()).digest();
        for (int i = 0; i < 500; i++) {
            store.update(d, Map.of("n", Integer.toString(i)));
        }
        assertThat(Files.size(root.resolve("meta.db"))).isLessThan(1 << 20);
        assertThat(store.info(d)).get().extracting(Info::labels).isEqualTo(Map.of("n", "499"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
