package dev.berth.cri.containers;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStats;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.ExecResult;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.RuntimeEvent;
import dev.berth.core.runtime.RuntimeShim;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A runtime whose containers are entries in a map; counts how often each container's status is asked for. */
final class FakeRuntimeShim implements RuntimeShim {
    final Map<String, ContainerStatus> containers = new ConcurrentHashMap<>();
    final AtomicInteger statusCalls = new AtomicInteger();
    final AtomicInteger listCalls = new AtomicInteger();

    void put(String id, ContainerState state, int exitCode) {
        Instant t = Instant.ofEpochSecond(1_700_000_000L);
        containers.put(id, new ContainerStatus(id, state, state == ContainerState.RUNNING ? 42 : 0, t,
                state == ContainerState.CREATED ? null : t, state == ContainerState.EXITED ? t : null, exitCode,
                state == ContainerState.EXITED ? ContainerStatus.REASON_ERROR : "", "", null));
    }

    @Override
    public ContainerStatus status(String id) {
        statusCalls.incrementAndGet();
        ContainerStatus s = containers.get(id);
        if (s == null) {
            throw BerthException.notFound("container %s not found", id);
        }
        return s;
    }

    @Override
    public List<ContainerStatus> list() {
        listCalls.incrementAndGet();
        return new ArrayList<>(containers.values());
    }

    @Override
    public void delete(String id) {
        containers.remove(id);
    }

    @Override
    public AutoCloseable subscribe(Consumer<RuntimeEvent> listener) {
        return () -> { };
    }

    @Override
    public ContainerStatus create(ContainerSpec spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ContainerStatus start(String id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ContainerStatus stop(String id, String signal, Duration timeout) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ExecResult execSync(String id, List<String> command, Duration timeout, int maxOutputBytes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void update(String id, Resources resources) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void reopenLog(String id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ContainerStats stats(String id) {
        throw new UnsupportedOperationException();
    }
}
