package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.RuntimeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link RuncShim#list} answers from memory; these tests hold it to never be behind what the shim has already told
 * anyone (a STOPPED event, a status answer), and to stay coherent while containers come and go. Real runc and conmon;
 * needs root, skipped otherwise.
 */
class RuncShimListTest extends RuncShimFixture {

    @Test
    void anExitIsInTheListBeforeItsEventIsDelivered() throws Exception {
        RuncShim shim = newShim();
        Map<String, ContainerStatus> listedAtStop = new ConcurrentHashMap<>();
        // the listener runs on the shim's event thread: what list says there is what a client told of the exit sees
        shim.subscribe(e -> {
            if (e.type() == RuntimeEvent.Type.STOPPED) {
                listed(shim, e.containerId()).ifPresent(s -> listedAtStop.put(e.containerId(), s));
            }
        });
        // exits once the test creates /go in the (shared, writable) root filesystem
        startRunning(shim, "quits", List.of("sh", "-c", "until [ -e /go ]; do sleep 0.05; done; exit 7"),
                Resources.none());
        startRunning(shim, "stays", List.of("sleep", "1000"), Resources.none());
        shim.create(spec("waits", List.of("sleep", "1000"), logs.resolve("waits.log"), Resources.none()));
        assertThat(shim.list()).extracting(ContainerStatus::id, ContainerStatus::state).containsExactly(
                org.assertj.core.groups.Tuple.tuple("quits", ContainerState.RUNNING),
                org.assertj.core.groups.Tuple.tuple("stays", ContainerState.RUNNING),
                org.assertj.core.groups.Tuple.tuple("waits", ContainerState.CREATED));

        java.nio.file.Files.createFile(image.resolve("go"));
        await(() -> listedAtStop.containsKey("quits"), Duration.ofSeconds(10));
        ContainerStatus atEvent = listedAtStop.get("quits");
        assertThat(atEvent.state()).isEqualTo(ContainerState.EXITED);
        assertThat(atEvent.exitCode()).isEqualTo(7);
        assertThat(atEvent.reason()).isEqualTo(ContainerStatus.REASON_ERROR);
        assertThat(listed(shim, "quits")).contains(shim.status("quits"));
        assertThat(listed(shim, "stays").orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
        assertThat(listed(shim, "waits").orElseThrow().state()).isEqualTo(ContainerState.CREATED);

        // a stop returns the exit it waited for: the very next list agrees
        ContainerStatus stopped = shim.stop("stays", "KILL", Duration.ZERO);
        assertThat(stopped.exitCode()).isEqualTo(137);
        assertThat(listed(shim, "stays")).contains(stopped);
        await(() -> listedAtStop.containsKey("stays"), Duration.ofSeconds(5));
        assertThat(listedAtStop.get("stays")).isEqualTo(stopped);
        shim.delete("quits");
        assertThat(shim.list()).extracting(ContainerStatus::id).containsExactly("stays", "waits");
    }

    @Test
    void aLostMonitorIsInTheListOnceStatusOrTheWatcherSawIt() throws Exception {
        RuncShim shim = newShim();
        List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
        shim.subscribe(events::add);
        startRunning(shim, "orphan", List.of("sleep", "1000"), Resources.none());
        long conmon = ProcFs.readPid(state.resolve("orphan").resolve("conmon.pid")).orElseThrow();
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        // the watcher's sweep notices within about a second, without anyone asking for the status
        await(() -> events.stream().anyMatch(e -> e.type() == RuntimeEvent.Type.STOPPED), Duration.ofSeconds(5));
        ContainerStatus listed = listed(shim, "orphan").orElseThrow();
        assertThat(listed.state()).isEqualTo(ContainerState.EXITED);
        assertThat(listed.exitCode()).isEqualTo(255);
        assertThat(listed.message()).contains("conmon");
        assertThat(shim.status("orphan")).isEqualTo(listed);
        shim.delete("orphan");
        assertNothingLeft();
    }

    @Test
    void aRestartedShimListsWhatHappenedWhileItWasDown() throws Exception {
        RuncShim first = newShim();
        startRunning(first, "keep", List.of("sleep", "1000"), Resources.none());
        startRunning(first, "quit", List.of("sh", "-c", "sleep 0.5; exit 5"), Resources.none());
        startRunning(first, "orphan", List.of("sleep", "1000"), Resources.none());
        first.create(spec("fresh", List.of("sleep", "1000"), logs.resolve("fresh.log"), Resources.none()));
        first.close();
        shims.remove(first);
        long conmon = ProcFs.readPid(state.resolve("orphan").resolve("conmon.pid")).orElseThrow();
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        await(() -> !ProcFs.alive(conmon, "orphan"), Duration.ofSeconds(5));
        Thread.sleep(1000);

        RuncShim second = newShim();
        List<ContainerStatus> listed = second.list();
        assertThat(listed).extracting(ContainerStatus::id, ContainerStatus::state, ContainerStatus::exitCode)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("keep", ContainerState.RUNNING, 0),
                        org.assertj.core.groups.Tuple.tuple("quit", ContainerState.EXITED, 5),
                        org.assertj.core.groups.Tuple.tuple("orphan", ContainerState.EXITED, 255),
                        org.assertj.core.groups.Tuple.tuple("fresh", ContainerState.CREATED, 0));
        for (ContainerStatus s : listed) {
            assertThat(second.status(s.id())).isEqualTo(s);
        }
    }

    /**
     * Lists without pause while workers create, start, stop and delete containers: every list is ordered and has
     * each container once, no container's state goes backwards, and none is listed once its delete returned.
     */
    @Test
    void listsStayCoherentWhileContainersComeAndGo() throws Exception {
        RuncShim shim = newShim();
        int workers = 3;
        int perWorker = 3;
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        Map<String, ContainerState> lastSeen = new ConcurrentHashMap<>();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
        try {
            Future<Integer> lister = pool.submit(() -> {
                int lists = 0;
                while (!done.get() && lists < 1_000_000) {
                    Set<String> goneBefore = Set.copyOf(deleted);
                    List<ContainerStatus> all = shim.list();
                    lists++;
                    assertThat(all).extracting(ContainerStatus::id).doesNotHaveDuplicates();
                    assertThat(all).as("deleted before the list: %s", goneBefore)
                            .noneMatch(st -> goneBefore.contains(st.id()));
                    assertThat(all).extracting(ContainerStatus::createdAt).isSorted();
                    for (ContainerStatus s : all) {
                        ContainerState before = lastSeen.put(s.id(), s.state());
                        assertThat(s.state()).as("state of %s after %s", s.id(), before)
                                .isGreaterThanOrEqualTo(before == null ? ContainerState.CREATED : before);
                        if (s.state() == ContainerState.EXITED) {
                            assertThat(s.finishedAt()).isNotNull();
                        }
                    }
                }
                return lists;
            });
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int worker = w;
                work.add(pool.submit(() -> {
                    for (int i = 0; i < perWorker; i++) {
                        String id = "w" + worker + "-" + i;
                        shim.create(spec(id, List.of("sh", "-c", i % 2 == 0 ? "sleep 0.2" : "sleep 1000"),
                                logs.resolve(id + ".log"), Resources.none()));
                        shim.start(id);
                        if (i % 2 == 1) {
                            shim.stop(id, "KILL", Duration.ZERO);
                        } else {
                            await(() -> shim.status(id).state() == ContainerState.EXITED, Duration.ofSeconds(15));
                        }
                        shim.delete(id);
                        deleted.add(id);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(3, TimeUnit.MINUTES);
            }
            done.set(true);
            assertThat(lister.get(1, TimeUnit.MINUTES)).isPositive();
        } finally {
            done.set(true);
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        assertThat(lastSeen).hasSize(workers * perWorker).containsValue(ContainerState.EXITED);
        assertThat(shim.list()).isEmpty();
        assertNothingLeft();
    }

    private static Optional<ContainerStatus> listed(RuncShim shim, String id) {
        return shim.list().stream().filter(s -> s.id().equals(id)).findFirst();
    }
}
