package dev.berth.cri.sandboxes;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.sandbox.ExitStatus;
import dev.berth.core.sandbox.NetworkReadiness;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxController;
import dev.berth.core.sandbox.SandboxInfo;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An in-memory controller that records calls; start fails while {@link #failStart} is set. */
final class FakeSandboxController implements SandboxController {
    final Map<String, SandboxConfig> configs = new LinkedHashMap<>();
    final Map<String, SandboxState> states = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    RuntimeException failStart;
    /** When set, start waits for it (outside the lock) before finishing. */
    java.util.concurrent.CountDownLatch startGate;
    NetworkReadiness network = NetworkReadiness.ok();
    private long clock = 1_700_000_000L;

    @Override
    public synchronized SandboxInfo create(SandboxConfig config) {
        calls.add("create " + config.id());
        if (configs.containsKey(config.id())) {
            throw new BerthException(dev.berth.core.errdefs.ErrorKind.ALREADY_EXISTS, "exists");
        }
        configs.put(config.id(), config);
        states.put(config.id(), SandboxState.NOTREADY);
        return new SandboxInfo(config.id(), 0, Instant.ofEpochSecond(clock++), "");
    }

    @Override
    public SandboxInfo start(String id) {
        if (startGate != null) {
            try {
                startGate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        return startNow(id);
    }

    private synchronized SandboxInfo startNow(String id) {
        calls.add("start " + id);
        require(id);
        if (failStart != null) {
            throw failStart;
        }
        states.put(id, SandboxState.READY);
        return new SandboxInfo(id, 0, Instant.now(), "/netns/" + id);
    }

    @Override
    public synchronized void stop(String id, Duration timeout) {
        calls.add("stop " + id);
        require(id);
        states.put(id, SandboxState.NOTREADY);
    }

    @Override
    public ExitStatus wait(String id) {
        throw BerthException.unimplemented("wait");
    }

    @Override
    public synchronized SandboxStatus status(String id, boolean verbose) {
        require(id);
        boolean ready = states.get(id) == SandboxState.READY;
        int n = new ArrayList<>(configs.keySet()).indexOf(id);
        return new SandboxStatus(id, states.get(id), Instant.ofEpochSecond(1_700_000_000L + n, 5),
                ready ? "10.0.0." + (n + 2) : "", ready ? List.of("fd00::" + (n + 2)) : List.of(),
                ready ? "/netns/" + id : "", configs.get(id).name(), configs.get(id),
                verbose ? Map.of(SandboxStatus.INFO_CNI_RESULT, "{\"cniVersion\":\"1.0.0\"}") : Map.of());
    }

    @Override
    public synchronized void shutdown(String id) {
        calls.add("shutdown " + id);
        configs.remove(id);
        states.remove(id);
    }

    @Override
    public synchronized List<SandboxStatus> list() {
        return new ArrayList<>(configs.keySet()).stream().map(id -> status(id, false)).toList();
    }

    @Override
    public NetworkReadiness networkReady() {
        return network;
    }

    private void require(String id) {
        if (!configs.containsKey(id)) {
            throw BerthException.notFound("sandbox %s not found", id);
        }
    }
}
