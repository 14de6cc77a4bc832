package dev.berth.cri.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerIndexTest {
    @TempDir
    Path dir;

    @Test
    void keepsWhatTheStoreHoldsAcrossAReopen() {
        Path file = dir.resolve("c.db");
        try (ContainerIndex index = new ContainerIndex(file)) {
            index.put(ContainersListTest.record("one", "p", "runc", 1, "a", Map.of("k", "v")));
            index.put(ContainersListTest.record("two", "p", "runc", 2, "b", Map.of()));
            index.remove("one");
            index.remove("never");
            assertThat(index.get("two").orElseThrow().config().getMetadata().getName()).isEqualTo("b");
        }
        try (ContainerIndex index = new ContainerIndex(file)) {
            assertThat(index.records()).extracting(ContainerRecord::id).containsExactly("two");
            assertThat(index.get("one")).isEmpty();
            ContainerIndex.Entry e = index.get("two").orElseThrow();
            assertThat(e.config()).isEqualTo(e.record().containerConfig());
        }
    }

    /** Readers see whole entries while writers come and go, and what they leave is what the disk holds. */
    @Test
    void readsDuringWritesSeeWholeEntries() throws Exception {
        Path file = dir.resolve("c.db");
        Set<String> left;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean done = new AtomicBoolean();
        try (ContainerIndex index = new ContainerIndex(file)) {
            Future<Integer> reader = pool.submit(() -> {
                int reads = 0;
                while (!done.get() && reads < 10_000_000) {
                    for (ContainerIndex.Entry e : index.entries()) {
                        assertThat(e.config().getMetadata().getName()).isEqualTo("n-" + e.record().id());
                    }
                    reads++;
                }
                return reads;
            });
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int worker = w;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        String id = worker + "-" + i;
                        index.put(ContainersListTest.record(id, "p", "runc", i, "n-" + id, Map.of()));
                        if (i % 2 == 0) {
                            index.remove(id);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : writers) {
                f.get(2, TimeUnit.MINUTES);
            }
            done.set(true);
            assertThat(reader.get(1, TimeUnit.MINUTES)).isPositive();
            left = index.records().stream().map(ContainerRecord::id).collect(Collectors.toSet());
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertThat(left).hasSize(60);
        try (ContainerIndex index = new ContainerIndex(file)) {
            assertThat(index.records()).extracting(ContainerRecord::id).containsExactlyInAnyOrderElementsOf(left);
        }
    }
}
