package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.content.ContentLabels;
import dev.berth.core.content.Digest;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.SnapshotLabels;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest {
    private final GcFixture f = new GcFixture();
    private final GarbageCollector gc = f.collector();

    @Test
    void sharedLayersSurviveRemovalOfOneImage() {
        GcFixture.Pulled a = f.pull("a", "base", "mid", "a-top");
        GcFixture.Pulled b = f.pull("b", "base", "mid", "b-top");
        Set<Digest> blobsBefore = f.content.digests();
        Set<String> snapsBefore = f.snapshots.names();

        f.remove(a);
        GarbageCollector.Result r = gc.collect();

        Set<Digest> onlyA = Set.of(a.manifest(), a.config(), a.layers().get(2));
        assertThat(f.content.digests()).containsExactlyInAnyOrderElementsOf(minus(blobsBefore, onlyA));
        assertThat(f.snapshots.names()).containsExactlyInAnyOrderElementsOf(minus(snapsBefore, Set.of(a.top())));
        assertThat(f.content.digests()).containsAll(b.layers()).contains(b.manifest(), b.config());
        assertThat(r.blobsRemoved()).isEqualTo(3);
        assertThat(r.blobBytes()).isEqualTo(GcFixture.MANIFEST_SIZE + GcFixture.CONFIG_SIZE + GcFixture.LAYER_SIZE);
        assertThat(r.snapshotsRemoved()).isEqualTo(1);
        assertThat(r.snapshotBytes()).isEqualTo(FakeSnapshotter.SIZE);
        assertThat(r.duration().isNegative()).isFalse();

        GarbageCollector.Result again = gc.collect();
        assertThat(again.blobsRemoved()).as("nothing left to collect").isZero();
        assertThat(again.snapshotsRemoved()).isZero();
    }

    @Test
    void removingTheLastImageRemovesExactlyItsBlobsAndSnapshotsChildrenFirst() {
        GcFixture.Pulled a = f.pull("a", "base", "mid", "top");
        Digest unrelated = f.content.add("kept by a root", 7, Map.of(ContentLabels.GC_ROOT, "x"));

        f.remove(a);
        GarbageCollector.Result r = gc.collect();

        assertThat(f.content.digests()).containsExactly(unrelated);
        assertThat(f.snapshots.names()).isEmpty();
        assertThat(f.snapshots.removed()).containsExactly(a.chain().get(2), a.chain().get(1), a.chain().get(0));
        assertThat(r.blobsRemoved()).isEqualTo(5);
        assertThat(r.blobBytes()).isEqualTo(GcFixture.MANIFEST_SIZE + GcFixture.CONFIG_SIZE + 3 * GcFixture.LAYER_SIZE);
        assertThat(r.snapshotsRemoved()).isEqualTo(3);
        assertThat(f.content.usage()).isEqualTo(7);
    }

    @Test
    void anImageRecordIsARootEvenWithoutTheRootLabel() {
        GcFixture.Pulled a = f.pull("a", "base");
        f.content.update(a.target(), Map.of(ContentLabels.GC_ROOT, "")); // e.g. a racing removal took the label

        gc.collect();

        assertThat(f.content.digests()).contains(a.target(), a.config()).containsAll(a.layers());
        assertThat(f.snapshots.names()).containsExactlyElementsOf(a.chain());
    }

    @Test
    void leaseHeldBlobsAndWhatTheyReferenceSurviveUntilTheLeaseExpires() {
        GcFixture.Pulled a = f.pull("a", "base", "top");
        f.remove(a);
        f.content.createLease("pull-1", Map.of(), Duration.ofMinutes(10));
        f.content.addLeaseResource("pull-1", a.manifest());
        Digest held = f.content.add("held alone", 3, Map.of());
        f.content.addLeaseResource("pull-1", held);
        f.content.addLeaseResource("pull-1", Digest.sha256(new byte[] {1})); // not written yet: fine
        Digest loose = f.content.add("loose", 4, Map.of());

        gc.collect();

        assertThat(f.content.digests()).containsExactlyInAnyOrder(a.manifest(), a.config(), a.layers().get(0), a.layers().get(1), held);
        assertThat(f.content.digests()).doesNotContain(loose);
        assertThat(f.snapshots.names()).as("the leased manifest's config names the snapshots").containsExactlyElementsOf(a.chain());

        f.clock.advance(Duration.ofMinutes(11));
        gc.collect();

        assertThat(f.content.leases()).as("expired leases are collected first").isEmpty();
        assertThat(f.content.digests()).isEmpty();
        assertThat(f.snapshots.names()).isEmpty();
    }

    @Test
    void gcRootLabelledBlobsAndSnapshotsSurviveWithWhatTheyReference() {
        GcFixture.Pulled a = f.pull("a", "base", "top");
        f.records.remove(a.record()); // the record goes, the target keeps its root label
        Digest rooted = f.content.add("rooted", 1, Map.of(ContentLabels.GC_ROOT, "2024-01-01T00:00:00Z"));
        f.snapshots.add("pinned", a.chain().get(0), Kind.COMMITTED, Map.of(SnapshotLabels.GC_ROOT, "x"), f.clock.instant());
        f.snapshots.commit("stray", null);

        gc.collect();

        assertThat(f.content.digests()).containsExactlyInAnyOrder(a.manifest(), a.config(), a.layers().get(0), a.layers().get(1), rooted);
        assertThat(f.snapshots.names()).containsExactlyInAnyOrder(a.chain().get(0), a.chain().get(1), "pinned");
        assertThat(f.snapshots.removed()).containsExactly("stray");
    }

    @Test
    void indexTargetsReachTheirManifestsAndMissingPlatformsAreIgnored() {
        GcFixture.Pulled a = f.pull("a", "base");
        f.remove(a);
        Digest otherPlatform = Digest.sha256("never fetched".getBytes());
        Digest index = f.content.add("index", 2, Map.of(ContentLabels.GC_ROOT, "x",
                ContentLabels.gcRefContent("m.0"), a.manifest().toString(),
                ContentLabels.gcRefContent("m.1"), otherPlatform.toString(),
                ContentLabels.gcRefContent("bad"), "not-a-digest"));

        gc.collect();

        assertThat(f.content.digests()).containsExactlyInAnyOrder(index, a.manifest(), a.config(), a.layers().get(0));
        assertThat(f.snapshots.names()).containsExactlyElementsOf(a.chain());
    }

    @Test
    void activeSnapshotsAndViewsSurviveWithTheirParentsButStaleExtractsGo() {
        GcFixture.Pulled a = f.pull("a", "base", "top");
        GcFixture.Pulled b = f.pull("b", "other");
        f.snapshots.prepare("container-1", a.top(), Map.of());
        f.snapshots.view("view-1", b.top(), Map.of());
        f.snapshots.add("extract-old sha256:x", a.top(), Kind.ACTIVE, Map.of(),
                f.clock.instant().minus(GarbageCollector.STALE_EXTRACT).minusSeconds(1));
        f.snapshots.prepare("extract-new sha256:y", null, Map.of());
        f.remove(a);
        f.remove(b);

        gc.collect();

        assertThat(f.content.digests()).as("no image references content").isEmpty();
        assertThat(f.snapshots.names()).containsExactlyInAnyOrder(a.chain().get(0), a.chain().get(1), b.top(),
                "container-1", "view-1", "extract-new sha256:y");
        assertThat(f.snapshots.removed()).containsExactly("extract-old sha256:x");

        f.snapshots.remove("container-1");
        f.snapshots.remove("view-1");
        gc.collect();
        assertThat(f.snapshots.names()).containsExactly("extract-new sha256:y");
    }

    @Test
    void snapshotsAreRemovedDeepestFirstAcrossBranches() {
        // names sort parent-before-child, so only depth ordering gets past the snapshotter's children check
        f.snapshots.commit("a", null);
        f.snapshots.commit("b", "a");
        f.snapshots.commit("c", "b");
        f.snapshots.commit("ba", "a");
        f.snapshots.commit("d", "c");
        f.snapshots.commit("e", null);

        GarbageCollector.Result r = gc.collect();

        assertThat(r.snapshotsRemoved()).isEqualTo(6);
        List<String> order = f.snapshots.removed();
        assertThat(order.indexOf("d")).isLessThan(order.indexOf("c"));
        assertThat(order.indexOf("c")).isLessThan(order.indexOf("b"));
        assertThat(order.indexOf("b")).isLessThan(order.indexOf("a"));
        assertThat(order.indexOf("ba")).isLessThan(order.indexOf("a"));
        assertThat(f.snapshots.names()).isEmpty();
    }

    @Test
    void aLeaseTakenAfterMarkingMakesTheSweepSkipTheBlob() {
        Digest late = f.content.add("taken by a new pull", 9, Map.of());
        Digest gone = f.content.add("garbage", 1, Map.of());
        f.content.createLease("pull-2", Map.of(), null);
        f.content.beforeDelete = d -> f.content.addLeaseResource("pull-2", late);

        GarbageCollector.Result r = gc.collect();

        assertThat(f.content.digests()).containsExactly(late);
        assertThat(r.blobsRemoved()).isEqualTo(1);
        assertThat(r.blobBytes()).isEqualTo(1);
        assertThat(gone).isNotNull();
    }

    @Test
    void anImageUnpackedInTwoSnapshottersKeepsBothUntilRemovedThenLosesBoth() {
        GcFixture.Pulled a = f.pull("a", "base", "a-top");
        GcFixture.Pulled b = f.pull("b", "base", "b-top");
        f.unpackIntoOther(a);
        f.collector().collect();
        assertThat(f.other.names()).containsExactlyInAnyOrderElementsOf(a.chain());

        f.remove(a);
        GarbageCollector.Result r = f.collector().collect();

        assertThat(f.other.names()).isEmpty();
        assertThat(f.other.removed()).containsExactly(a.top(), a.chain().get(0));
        assertThat(f.snapshots.names()).containsExactlyInAnyOrderElementsOf(b.chain());
        assertThat(r.snapshotsRemoved()).isEqualTo(3); // a-top in both, base in the other only (b still uses it)
    }

    @Test
    void aContainerInTheOtherSnapshotterKeepsItsLayersThereOnly() {
        GcFixture.Pulled a = f.pull("a", "base", "a-top");
        f.unpackIntoOther(a);
        f.other.prepare("c".repeat(64), a.top(), java.util.Map.of());
        f.remove(a);

        f.collector().collect();

        assertThat(f.other.names()).containsExactlyInAnyOrder("c".repeat(64), a.chain().get(0), a.top());
        assertThat(f.snapshots.names()).isEmpty();
    }

    @Test
    void theImageRecordRootsItsTopSnapshotInEverySnapshotterEvenWithoutTheLabel() {
        GcFixture.Pulled a = f.pull("a", "base");
        f.other.commit(a.top(), null); // unpacked there, the config label not written yet

        f.collector().collect();

        assertThat(f.other.names()).containsExactly(a.top());
    }

    @Test
    void contentOnlyWhenThereIsNoSnapshotter() {
        GcFixture.Pulled a = f.pull("a", "base");
        f.remove(a);
        GarbageCollector contentOnly = new GarbageCollector(f.content, java.util.Map.of(), List::of, f.lock, f.clock);

        GarbageCollector.Result r = contentOnly.collect();

        assertThat(f.content.digests()).isEmpty();
        assertThat(r.snapshotsRemoved()).isZero();
        assertThat(f.snapshots.names()).containsExactlyElementsOf(a.chain());
    }

    @Test
    void aRunWaitsForPullsRecordingAndTheyWaitForIt() throws Exception {
        GcFixture.Pulled a = f.pull("a", "base");
        f.remove(a);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> pull = CompletableFuture.runAsync(() -> {
            f.lock.readLock().lock();
            try {
                held.countDown();
                release.await();
                f.records.add(a.record()); // the pull records the image again before GC may mark
                f.content.update(a.target(), Map.of(ContentLabels.GC_ROOT, "again"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                f.lock.readLock().unlock();
            }
        });
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<GarbageCollector.Result> run = CompletableFuture.supplyAsync(gc::collect);
        Thread.sleep(200);
        assertThat(run).as("blocked by the pull").isNotDone();

        release.countDown();
        pull.get(5, TimeUnit.SECONDS);
        GarbageCollector.Result r = run.get(5, TimeUnit.SECONDS);

        assertThat(r.blobsRemoved()).isZero();
        assertThat(f.content.digests()).contains(a.target(), a.config()).containsAll(a.layers());
    }

    private static <T> Set<T> minus(Set<T> all, Set<T> removed) {
        Set<T> out = new HashSet<>(all);
        out.removeAll(removed);
        return out;
    }
}
