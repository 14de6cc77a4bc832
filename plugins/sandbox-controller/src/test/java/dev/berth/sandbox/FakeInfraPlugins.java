package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.mount.Mount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.snapshot.Info;
import dev.berth.core.snapshot.Kind;
import dev.berth.core.snapshot.Snapshotter;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * In-memory stand-ins for the runtime shim and snapshotter an infra container uses: they record the calls and keep
 * just enough state (containers and their states, snapshot keys) for the controller's logic. Methods the infra code
 * never calls throw.
 */
final class FakeInfraPlugins {
    final List<String> calls = new ArrayList<>();
    final Map<String, ContainerState> containers = new ConcurrentHashMap<>();
    final Map<String, ContainerSpec> specs = new ConcurrentHashMap<>();
    final Map<String, Kind> snapshots = new ConcurrentHashMap<>();
    /** Thrown by the next {@code start} when set. */
    RuntimeException failStart;
    long nextPid = 4242;

    final RuntimeShim runtime = (RuntimeShim) Proxy.newProxyInstance(RuntimeShim.class.getClassLoader(),
            new Class<?>[] {RuntimeShim.class}, (p, m, a) -> switch (m.getName()) {
                case "create" -> create((ContainerSpec) a[0]);
                case "start" -> start((String) a[0]);
                case "stop" -> stop((String) a[0], (String) a[1], (Duration) a[2]);
                case "delete" -> {
                    calls.add("delete " + a[0]);
                    containers.remove((String) a[0]);
                    yield null;
                }
                case "status" -> status((String) a[0]);
                default -> throw new UnsupportedOperationException(m.getName());
            });

    final Snapshotter snapshotter = (Snapshotter) Proxy.newProxyInstance(Snapshotter.class.getClassLoader(),
            new Class<?>[] {Snapshotter.class}, (p, m, a) -> switch (m.getName()) {
                case "prepare" -> snapshot(Kind.ACTIVE, (String) a[0], (String) a[1]);
                case "view" -> snapshot(Kind.VIEW, (String) a[0], (String) a[1]);
                case "remove" -> {
                    calls.add("remove " + a[0]);
                    if (snapshots.remove((String) a[0]) == null) {
                        throw BerthException.notFound("snapshot %s not found", a[0]);
                    }
                    yield null;
                }
                case "walk" -> walk((Predicate<? super Info>) a[0], (Consumer<? super Info>) a[1]);
                default -> throw new UnsupportedOperationException(m.getName());
            });

    InfraContainers infras() {
        return new InfraContainers(Map.of("overlayfs", snapshotter), Map.of("runc", runtime));
    }

    private ContainerStatus create(ContainerSpec spec) {
        calls.add("create " + spec.id());
        containers.put(spec.id(), ContainerState.CREATED);
        specs.put(spec.id(), spec);
        return status(spec.id());
    }

    private ContainerStatus start(String id) {
        calls.add("start " + id);
        if (failStart != null) {
            RuntimeException e = failStart;
            failStart = null;
            throw e;
        }
        containers.put(id, ContainerState.RUNNING);
        return status(id);
    }

    private ContainerStatus stop(String id, String signal, Duration grace) {
        calls.add("stop " + id + " " + (signal.isEmpty() ? "SIGTERM" : signal) + " " + grace.toSeconds() + "s");
        if (!containers.containsKey(id)) {
            throw BerthException.notFound("container %s not found", id);
        }
        containers.put(id, ContainerState.EXITED);
        return status(id);
    }

    private ContainerStatus status(String id) {
        ContainerState s = containers.get(id);
        if (s == null) {
            throw BerthException.notFound("container %s not found", id);
        }
        return new ContainerStatus(id, s, s == ContainerState.RUNNING ? nextPid : 0, Instant.EPOCH, null, null, 0, "",
                "", null);
    }

    private List<Mount> snapshot(Kind kind, String key, String parent) {
        calls.add((kind == Kind.VIEW ? "view " : "prepare ") + key + " " + parent);
        if (snapshots.putIfAbsent(key, kind) != null) {
            throw BerthException.alreadyExists("snapshot %s exists", key);
        }
        return List.of(new Mount("bind", "/snapshots/" + key, List.of(kind == Kind.VIEW ? "ro" : "rw")));
    }

    private Object walk(Predicate<? super Info> filter, Consumer<? super Info> fn) {
        for (Map.Entry<String, Kind> e : Map.copyOf(snapshots).entrySet()) {
            Info i = new Info(e.getKey(), "", e.getValue(), Map.of(), Instant.EPOCH, Instant.EPOCH);
            if (filter.test(i)) {
                fn.accept(i);
            }
        }
        return null;
    }
}
