package dev.berth.shim.runc;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.fs.FileTrees;
import dev.berth.core.mount.Mounts;
import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.CgroupDriver;
import dev.berth.core.runtime.CheckpointRequest;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.ContainerStats;
import dev.berth.core.runtime.ContainerStatus;
import dev.berth.core.runtime.ExecResult;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.RuntimeEvent;
import dev.berth.core.runtime.RuntimeFeatures;
import dev.berth.core.runtime.RuntimeShim;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.shim.runc.checkpoint.CheckpointArchive;
import dev.berth.shim.runc.checkpoint.Criu;
import dev.berth.shim.runc.checkpoint.Deadline;
import dev.berth.shim.runc.checkpoint.MountPoints;
import dev.berth.shim.runc.checkpoint.OverlayLayer;
import dev.berth.shim.runc.checkpoint.RootfsDiff;
import dev.berth.shim.runc.spec.OciSpecBuilder;
import dev.berth.shim.runc.spec.SpecUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Containers run by runc, each under its own conmon. The shim keeps a small record per container under the root dir
 * and derives everything else from what conmon leaves in the state dir (exit file, OOM marker, its own liveness), so
 * containers outlive the daemon and a restarted shim reports them truthfully. Calls on one container are serialised
 * by a per-container lock; nothing slow runs under a global one. Status reads those files fresh; every exit found
 * (by status, stop or the {@link ExitWatcher}) is kept in memory, and {@link #list} answers from memory alone.
 */
public final class RuncShim implements RuntimeShim, AutoCloseable {
    static final String RUNC_DIR = "runc";
    static final String ATTACH_DIR = "attach";
    /** Mount points of the root file systems of containers in user namespaces (see {@link StateDirAccess}). */
    static final String USERNS_ROOTFS_DIR = "userns-rootfs";
    private static final Duration LOG_REOPEN_WAIT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(RuncShim.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final int LOST_EXIT_CODE = 255;
    private static final String LOST_MESSAGE = "the container's monitor (conmon) is gone without recording an exit"
            + " code (killed, or the node restarted); the container's real exit status is unknown";

    private final Path state;
    /** Where checkpoints are dumped and staged before they are packed: on disk, memory images can be large. */
    private final Path checkpointWork;
    private final RuncShimSettings settings;
    private final RecordStore records;
    private final Path defaultRuntime;
    private final String pathEnv;
    /** One runc (or crun, ...) command line per binary that runtime handlers name; all share one state root. */
    private final Map<Path, RuncCli> runtimes = new ConcurrentHashMap<>();
    private final RuntimeFeaturesProbe features;
    private final Criu criu;
    private final Conmon conmon;
    private final OciSpecBuilder specs;
    private final CgroupStats cgroups;
    private final EventHub events = new EventHub();
    private final Map<String, ContainerRecord> known = new ConcurrentHashMap<>();
    private final Map<String, ContainerStatus> exited = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final ExitWatcher exits;
    /** Bound on first use: only streaming and conmon's control pipe need libc. */
    private volatile Libc libc;

    /**
     * Creates the shim and recovers the containers recorded under {@code root}.
     *
     * @param root  persistent dir: container records
     * @param state volatile dir: bundles, exit files, runc's state
     */
    public RuncShim(Path root, Path state, RuncShimSettings settings, Path runcPath, Path conmonPath,
                    OciSpecBuilder specs, CgroupStats cgroups) {
        this.state = state.toAbsolutePath();
        this.features = new RuntimeFeaturesProbe(new ProcessRunner(), new IdmappedMountsProbe(root.toAbsolutePath(), this.state));
        this.checkpointWork = root.toAbsolutePath().resolve("checkpoints");
        this.settings = settings;
        this.records = new RecordStore(root.resolve("containers"));
        this.defaultRuntime = runcPath;
        this.pathEnv = System.getenv().getOrDefault("PATH", "");
        this.criu = new Criu(settings.criuPath(), pathEnv, new ProcessRunner());
        this.conmon = new Conmon(conmonPath, settings, Duration.ofSeconds(60));
        this.specs = specs;
        this.cgroups = cgroups;
        try {
            Files.createDirectories(this.state.resolve(RUNC_DIR));
            Files.createDirectories(this.state.resolve(ATTACH_DIR));
            StateDirAccess.secure(this.state);
            FileTrees.deleteRecursively(checkpointWork); // what a daemon killed in mid-checkpoint left
            Files.createDirectories(checkpointWork);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot create " + this.state + ": " + e, e);
        }
        this.exits = new ExitWatcher(this::settle);
        recover();
    }

    @Override
    public CgroupDriver cgroupDriver() {
        return settings.systemdCgroup() ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS;
    }

    @Override
    public RuntimeFeatures features(String runtimePath) {
        if (runtimePath == null || runtimePath.isEmpty()) {
            return features.of(defaultRuntime);
        }
        try {
            return features.of(HostFacts.findExecutable(runtimePath, "runtime_path", pathEnv));
        } catch (BerthException e) {
            return RuntimeFeatures.NONE; // create reports the missing binary
        }
    }

    /** Groups come from {@code ImageUsers} under either policy, and each status carries the config.json user. */
    @Override
    public boolean supplementalGroupsPolicy() {
        return true;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public ContainerStatus create(ContainerSpec spec) {
        String id = spec.id();
        if (id == null || !ID.matcher(id).matches() || id.equals(RUNC_DIR) || id.equals(ATTACH_DIR)
                || id.equals(USERNS_ROOTFS_DIR)) {
            throw BerthException.invalidArgument("container id %s must be 1-128 of [A-Za-z0-9_.-], not %s, %s or %s",
                    id == null ? "null" : dev.berth.core.json.Json.quote(id), RUNC_DIR, ATTACH_DIR, USERNS_ROOTFS_DIR);
        }
        ContainerRecord rec;
        ReentrantLock lock = lockOf(id);
        lock.lock();
        try {
            if (known.containsKey(id) || records.get(id).isPresent()) {
                throw new BerthException(ErrorKind.ALREADY_EXISTS, "container " + id + " already exists");
            }
            ContainerDirs d = dirs(id);
            Path runtime = runtimeOf(spec);
            requireRecursiveReadOnly(spec, runtime);
            if (Files.exists(d.bundle())) {
                removeRuntimeState(id, runtime); // left by a crash in the middle of an earlier create
            }
            try {
                rec = launch(spec, d, runtime);
            } catch (RuntimeException | IOException e) {
                try {
                    removeRuntimeState(id, runtime);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                if (e instanceof BerthException be) {
                    throw be;
                }
                if (e instanceof UnsupportedOperationException) {
                    throw new BerthException(ErrorKind.UNIMPLEMENTED, "cannot create container " + id + ": "
                            + e.getMessage(), e);
                }
                throw new BerthException(ErrorKind.INTERNAL, "cannot create container " + id + ": " + e, e);
            }
            records.put(rec);
            exited.remove(id); // a status call racing the delete of an earlier container with this id
            known.put(id, rec);
            exits.watch(id, d.exitDir());
        } finally {
            lock.unlock();
        }
        events.publish(new RuntimeEvent(id, RuntimeEvent.Type.CREATED, rec.createdAt()));
        return status(id);
    }

    /** Mounts the rootfs and the image volumes, writes config.json and has conmon run runc create. */
    private ContainerRecord launch(ContainerSpec spec, ContainerDirs d, Path runtime) throws IOException {
        Instant created = Instant.now();
        long t0 = System.nanoTime();
        Files.createDirectories(d.bundle());
        Files.setPosixFilePermissions(d.bundle(), StateDirAccess.PRIVATE);
        Files.createDirectories(d.exitDir());
        Files.createDirectories(d.persistDir());
        Path rootfs;
        if (spec.pod().ownUserNamespace()) {
            rootfs = Files.createDirectories(d.usernsRootfs());
            IdmappedMounts.mountRootfs(spec.rootfs(), rootfs, d.bundle(), spec.pod());
        } else {
            rootfs = Files.createDirectories(d.rootfs());
            Mounts.mount(spec.rootfs(), rootfs);
        }
        ContainerSpec mounted = ImageVolumes.mount(spec, d.bundle());
        if (spec.pod().ownUserNamespace()) {
            mounted = IdmappedMounts.volumes(mounted, d.bundle());
        }
        long t1 = System.nanoTime();
        String config = specs.build(mounted, rootfs, this::pidOf);
        Files.writeString(d.configJson(), config, StandardCharsets.UTF_8);
        if (!spec.logPath().isEmpty()) {
            Path parent = Path.of(spec.logPath()).toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        }
        long t2 = System.nanoTime();
        long pid = conmon.create(new Conmon.Request(d, runtime, spec.name(), spec.logPath(), spec.stdin(),
                spec.stdinOnce(), spec.tty()));
        LOG.debug("container {}: rootfs mounted in {} ms, spec in {} ms, conmon + runtime create in {} ms", spec.id(),
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        long conmonPid = ProcFs.readPid(d.conmonPidFile()).orElse(0L);
        return new ContainerRecord(spec.id(), spec.name(), created, null, spec.logPath(), spec.stdin(),
                spec.stdinOnce(), spec.tty(), d.bundle().toString(), spec.pod().pidMode() == NamespaceMode.NODE, pid,
                conmonPid, null, null, false, runtime.toString(), SpecUser.of(config));
    }

    /**
     * The OCI runtime binary for a new container: its handler's {@link ContainerSpec#runtimePath()}, else the
     * shim's runtime_path.
     *
     * @throws BerthException INVALID_ARGUMENT when the handler names a binary that is not there
     */
    private Path runtimeOf(ContainerSpec spec) {
        if (spec.runtimePath().isEmpty()) {
            return defaultRuntime;
        }
        try {
            return HostFacts.findExecutable(spec.runtimePath(), "the runtime handler's runtime_path", pathEnv);
        } catch (BerthException e) {
            throw BerthException.invalidArgument("%s", e.getMessage());
        }
    }

    /**
     * Refuses recursive read-only mounts up front when the runtime cannot make them: runc would otherwise fail late
     * with a message about an unknown mount option, or an older runtime would quietly leave sub-mounts writable.
     *
     * @throws BerthException INVALID_ARGUMENT naming the mount
     */
    private void requireRecursiveReadOnly(ContainerSpec spec, Path runtime) {
        for (int i = 0; i < spec.mounts().size(); i++) {
            ContainerMount m = spec.mounts().get(i);
            if (m.recursiveReadOnly() && !features.of(runtime).recursiveReadOnlyMounts()) {
                throw BerthException.invalidArgument("mounts[%d].recursive_read_only: the runtime %s does not support "
                        + "recursive read-only mounts (its \"features\" command does not list \"%s\")", i, runtime,
                        RuntimeFeaturesProbe.RECURSIVE_READ_ONLY);
            }
        }
    }

    /** The command line of the runtime that runs {@code r}. */
    private RuncCli runc(ContainerRecord r) {
        return runc(r.runtimePath() == null ? defaultRuntime : Path.of(r.runtimePath()));
    }

    private RuncCli runc(Path runtime) {
        return runtimes.computeIfAbsent(runtime, p -> new RuncCli(p, state.resolve(RUNC_DIR), new ProcessRunner()));
    }

    @Override
    public ContainerStatus start(String id) {
        ReentrantLock lock = lockOf(id);
        lock.lock();
        Instant started;
        try {
            ContainerRecord r = require(id);
            ContainerStatus st = compute(r);
            if (st.state() != ContainerState.CREATED) {
                throw BerthException.failedPrecondition("container %s is %s, not CREATED", id, st.state());
            }
            ProcessRunner.Result res = runc(r).start(id);
            if (!res.ok()) {
                String why = "runtime failed to start the container: " + res.message();
                update(r.withMessage(why));
                // Never leave it half-started: its init waits in the runtime until killed.
                runc(r).kill(id, Signals.SIGKILL, r.hostPidNs());
                awaitExit(r, KILL_WAIT);
                throw new BerthException(ErrorKind.FAILED_PRECONDITION, "cannot start container " + id + ": "
                        + res.message());
            }
            started = Instant.now();
            update(r.withStarted(started));
        } finally {
            lock.unlock();
        }
        events.publish(new RuntimeEvent(id, RuntimeEvent.Type.STARTED, started));
        return status(id);
    }

    @Override
    public ContainerStatus stop(String id, String signal, Duration timeout) {
        int sig = Signals.parse(signal);
        ReentrantLock lock = lockOf(id);
        lock.lock();
        try {
            ContainerRecord r = require(id);
            if (compute(r).state() == ContainerState.EXITED) {
                return compute(r);
            }
            runc(r).kill(id, sig, r.hostPidNs());
            Duration wait = timeout == null || timeout.isNegative() ? Duration.ZERO : timeout;
            if (sig == Signals.SIGKILL || !awaitExit(r, wait)) {
                runc(r).kill(id, Signals.SIGKILL, r.hostPidNs());
                if (!awaitExit(r, KILL_WAIT)) {
                    throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, "container " + id
                            + " did not exit within " + KILL_WAIT.toSeconds() + " s of SIGKILL");
                }
            }
        } finally {
            lock.unlock();
        }
        settle(id);
        return status(id);
    }

    @Override
    public void delete(String id) {
        ReentrantLock lock = lockOf(id);
        lock.lock();
        boolean existed;
        try {
            Optional<ContainerRecord> rec = Optional.ofNullable(known.get(id)).or(() -> records.get(id));
            existed = rec.isPresent();
            exits.unwatch(id);
            removeRuntimeState(id, rec.map(r -> r.runtimePath() == null ? defaultRuntime : Path.of(r.runtimePath()))
                    .orElse(defaultRuntime));
            records.remove(id);
            known.remove(id); // before the exit: list relies on this order
            exited.remove(id);
        } finally {
            lock.unlock();
        }
        if (existed) {
            events.publish(new RuntimeEvent(id, RuntimeEvent.Type.DELETED, Instant.now()));
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public ContainerStatus status(String id) {
        return compute(require(id));
    }

    /**
     * Answered from memory, without a file or {@code /proc} read per container: the kubelet relists every second.
     * It is as current as the shim's knowledge: the exit watcher, {@link #stop} and every {@link #status} call store
     * an exit in {@link #exited} before anyone is told of it, so a list never contradicts a STOPPED event or a status
     * answered before it. A monitor that died without an exit file shows within a second (the watcher's sweep).
     */
    @Override
    public List<ContainerStatus> list() {
        List<ContainerRecord> all = new ArrayList<>(known.values());
        all.sort(Comparator.comparing(ContainerRecord::createdAt).thenComparing(ContainerRecord::id));
        List<ContainerStatus> out = new ArrayList<>(all.size());
        for (ContainerRecord r : all) {
            ContainerStatus st = remembered(r);
            // deleted meanwhile (delete drops the record before its exit): a stale record would look alive again
            if (known.containsKey(r.id())) {
                out.add(st);
            }
        }
        return out;
    }

    @Override
    public ExecResult execSync(String id, List<String> command, Duration timeout, int maxOutputBytes) {
        if (command == null || command.isEmpty()) {
            throw BerthException.invalidArgument("exec command is empty");
        }
        ContainerRecord r = require(id);
        requireState(r, ContainerState.RUNNING, "exec in");
        int cap = maxOutputBytes > 0 ? Math.min(maxOutputBytes, settings.execMaxOutput()) : settings.execMaxOutput();
        Path pidFile = execPidFile(id);
        return SyncExec.run(id, runc(r).execCommand(id, pidFile, command), pidFile,
                timeout == null ? Duration.ZERO : timeout, cap);
    }

    @Override
    public StreamSession exec(String id, StreamRequest request) {
        if (request.command().isEmpty()) {
            throw BerthException.invalidArgument("exec command is empty");
        }
        ContainerRecord r = require(id);
        requireState(r, ContainerState.RUNNING, "exec in");
        Path pidFile = execPidFile(id);
        if (request.hasTerminalSize()) {
            Path process = ExecProcessSpec.write(dirs(id), request);
            return ExecSession.start(id, runc(r).execProcessCommand(id, pidFile, process), List.of(pidFile, process),
                    request, libc());
        }
        return ExecSession.start(id, runc(r).execCommand(id, pidFile, request.command(), request.tty()),
                List.of(pidFile), request, libc());
    }

    @Override
    public StreamSession attach(String id, StreamRequest request) {
        if (!request.command().isEmpty()) {
            throw BerthException.invalidArgument("attach runs no command, got %s", request.command());
        }
        ContainerRecord r = require(id);
        requireState(r, ContainerState.RUNNING, "attach to");
        if (request.tty() != r.tty()) {
            throw BerthException.invalidArgument("attach asks for tty=%s but container %s was created with tty=%s",
                    request.tty(), id, r.tty());
        }
        if (request.stdin() && !r.stdin()) {
            throw BerthException.failedPrecondition("container %s was created without stdin: cannot attach to its"
                    + " stdin", id);
        }
        ContainerDirs d = dirs(id);
        try {
            return AttachSession.open(id, d.bundle(), request, new ControlFifo(libc(), d.controlFifo(), id),
                    () -> exitCodeOf(id), libc());
        } catch (BerthException e) {
            requireState(r, ContainerState.RUNNING, "attach to"); // it exited meanwhile: say so rather than why
            throw e;
        }
    }

    @Override
    public void checkpoint(String id, CheckpointRequest request) {
        Deadline deadline = Deadline.in(request.timeout());
        ReentrantLock lock = lockOf(id);
        lock.lock();
        try {
            ContainerRecord r = require(id);
            requireState(r, ContainerState.RUNNING, "checkpoint");
            Map<String, String> env = criu.require();
            OverlayLayer layer = OverlayLayer.of(request.rootfs());
            Path work = null;
            try {
                work = Files.createTempDirectory(checkpointWork, id + "-");
                dump(r, work, env, deadline);
                Path spec = dirs(id).configJson();
                CheckpointArchive.write(request.archive(), work, spec, request.extraFiles(), new RootfsDiff(layer,
                        MountPoints.of(spec), (p, name) -> libc().lgetxattr(p, name), deadline), deadline);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.INTERNAL, "cannot write the checkpoint of container " + id + " to "
                        + request.archive() + ": " + e, e);
            } finally {
                if (work != null) {
                    try {
                        FileTrees.deleteRecursively(work);
                    } catch (IOException e) {
                        LOG.warn("cannot remove checkpoint work dir {}: {}", work, e.toString());
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        LOG.info("container {}: checkpoint written to {}", id, request.archive());
    }

    /** Has CRIU dump the running container into {@code work}, leaving it running; thaws it if the dump fails. */
    private void dump(ContainerRecord r, Path work, Map<String, String> env, Deadline deadline) {
        deadline.check("waiting to dump the processes");
        ProcessRunner.Result res;
        try {
            res = runc(r).checkpoint(r.id(), work.resolve(CheckpointArchive.CHECKPOINT_DIR), work, env,
                    deadline.remaining());
        } catch (BerthException e) {
            thawIfFrozen(r);
            throw e.kind() == ErrorKind.DEADLINE_EXCEEDED ? deadline.expired("CRIU dumped the processes") : e;
        }
        if (!res.ok()) {
            thawIfFrozen(r);
            throw new BerthException(ErrorKind.INTERNAL, "CRIU could not checkpoint container " + r.id() + ": "
                    + res.message() + criuLog(work.resolve(CheckpointArchive.DUMP_LOG)));
        }
    }

    /** CRIU freezes the container's cgroup while it dumps; a dump cut short may leave it frozen. */
    private void thawIfFrozen(ContainerRecord r) {
        try {
            if (runc(r).state(r.id()).map(st -> st.status().equals("paused")).orElse(false)) {
                ProcessRunner.Result res = runc(r).resume(r.id());
                LOG.warn("container {}: thawed after a failed checkpoint{}", r.id(),
                        res.ok() ? "" : ", but runc resume failed: " + res.message());
            }
        } catch (RuntimeException e) {
            LOG.warn("container {}: cannot tell whether a failed checkpoint left it frozen: {}", r.id(),
                    e.getMessage());
        }
    }

    private static String criuLog(Path dumpLog) {
        try {
            return Files.exists(dumpLog) ? "; CRIU's log: " + Criu.errors(Files.readString(dumpLog)) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void update(String id, Resources resources) {
        ReentrantLock lock = lockOf(id);
        lock.lock();
        try {
            ContainerRecord r = require(id);
            if (compute(r).state() == ContainerState.EXITED) {
                throw BerthException.failedPrecondition("container %s has exited; its resources cannot change", id);
            }
            Path file = dirs(id).bundle().resolve("resources-update.json");
            try {
                Files.writeString(file, specs.resourcesJson(resources), StandardCharsets.UTF_8);
                runc(r).update(id, file);
            } catch (IOException e) {
                throw new BerthException(ErrorKind.INTERNAL, "cannot write " + file + ": " + e, e);
            } finally {
                deleteQuietly(file);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reopenLog(String id) {
        ContainerRecord r = require(id);
        requireState(r, ContainerState.RUNNING, "reopen the log of");
        if (r.logPath() == null || r.logPath().isEmpty()) {
            return;
        }
        new ControlFifo(libc(), dirs(id).controlFifo(), id).reopenLog();
        awaitLogFile(Path.of(r.logPath()), id);
    }

    /**
     * conmon reopens the log when it reads the FIFO, after our write returned; the kubelet's rotation expects the new
     * file once the call returns, so the call waits for it (a few ms), at most {@link #LOG_REOPEN_WAIT}.
     */
    private void awaitLogFile(Path log, String id) {
        long deadline = System.nanoTime() + LOG_REOPEN_WAIT.toNanos();
        try {
            for (long pause = 1; !Files.exists(log); pause = Math.min(pause * 2, 50)) {
                if (System.nanoTime() - deadline >= 0) {
                    throw new BerthException(ErrorKind.UNAVAILABLE, "conmon of container " + id + " did not reopen "
                            + log + " within " + LOG_REOPEN_WAIT.toMillis() + " ms");
                }
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while container " + id + " reopened its log");
        }
    }

    @Override
    public ContainerStats stats(String id) {
        ContainerRecord r = require(id);
        // from memory: the cgroup read below finds nothing once the process is gone, so a fresh look adds nothing
        ContainerStatus st = remembered(r);
        CgroupStats.Usage u = CgroupStats.Usage.ZERO;
        if (st.state() != ContainerState.EXITED && st.pid() > 0) {
            u = cgroups.of(st.pid()).orElse(CgroupStats.Usage.ZERO);
        }
        return new ContainerStats(id, Instant.now(), u.cpuNanos(), u.memoryUsage(), u.workingSet(), u.rss(),
                u.pageFaults(), u.majorPageFaults(), -1, -1);
    }

    @Override
    public AutoCloseable subscribe(Consumer<RuntimeEvent> listener) {
        return events.subscribe(listener);
    }

    /** Stops the shim's threads. Containers keep running under their conmon: they must outlive the daemon. */
    @Override
    public void close() {
        exits.close();
        events.close();
    }

    // ---------------------------------------------------------------- state derivation

    /**
     * The container's state read fresh: the exit file conmon writes, conmon's liveness, and the record. An exit found
     * here is final and kept in {@link #exited}, where {@link #remembered} (and so {@link #list}) sees it.
     */
    private ContainerStatus compute(ContainerRecord r) {
        ContainerStatus done = exited.get(r.id());
        if (done != null) {
            return done;
        }
        ContainerDirs d = dirs(r.id());
        Optional<ContainerStatus> ex = exitStatus(r, d);
        if (ex.isPresent()) {
            return exitedNow(ex.get());
        }
        if (r.lostAt() != null) {
            return exitedNow(lost(r));
        }
        if (!ProcFs.alive(r.conmonPid(), r.id())) {
            // conmon writes the exit file before it exits: look once more before calling it lost
            ex = exitStatus(r, d);
            if (ex.isPresent()) {
                return exitedNow(ex.get());
            }
            ReentrantLock lock = lockOf(r.id());
            if (lock.tryLock()) {
                try {
                    ContainerRecord cur = known.get(r.id());
                    if (cur != null && cur.lostAt() == null) {
                        LOG.warn("container {}: {}", r.id(), LOST_MESSAGE);
                        r = update(cur.withLost(Instant.now(), LOST_MESSAGE));
                    }
                } finally {
                    lock.unlock();
                }
            }
            return exitedNow(lost(r.lostAt() == null ? r.withLost(Instant.now(), LOST_MESSAGE) : r));
        }
        return remembered(r);
    }

    /**
     * The container's state from memory alone: its exit once one was seen, else what the record says (created until
     * started). What the exit watcher keeps current; no file is read.
     */
    private ContainerStatus remembered(ContainerRecord r) {
        ContainerStatus done = exited.get(r.id());
        if (done != null) {
            return done;
        }
        if (r.lostAt() != null) {
            return lost(r);
        }
        ContainerState s = r.startedAt() == null ? ContainerState.CREATED : ContainerState.RUNNING;
        return new ContainerStatus(r.id(), s, r.pid(), r.createdAt(), r.startedAt(), null, 0, "", message(r), r.user());
    }

    /** Keeps a final status; the first one kept wins, so every caller reports the same exit. */
    private ContainerStatus exitedNow(ContainerStatus st) {
        ContainerStatus first = exited.putIfAbsent(st.id(), st);
        if (known.get(st.id()) == null) {
            exited.remove(st.id()); // deleted meanwhile: keep nothing of it
        }
        return first == null ? st : first;
    }

    private Optional<ContainerStatus> exitStatus(ContainerRecord r, ContainerDirs d) {
        Path f = d.exitFile();
        String text;
        Instant finished;
        try {
            text = Files.readString(f).strip();
            finished = Files.getLastModifiedTime(f).toInstant();
        } catch (IOException e) {
            return Optional.empty();
        }
        int code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return Optional.empty(); // being written
        }
        String reason = Files.exists(d.oomFile()) ? ContainerStatus.REASON_OOM_KILLED
                : code == 0 ? ContainerStatus.REASON_COMPLETED : ContainerStatus.REASON_ERROR;
        return Optional.of(new ContainerStatus(r.id(), ContainerState.EXITED, 0, r.createdAt(), r.startedAt(),
                finished, code, reason, message(r), r.user()));
    }

    private static ContainerStatus lost(ContainerRecord r) {
        return new ContainerStatus(r.id(), ContainerState.EXITED, 0, r.createdAt(), r.startedAt(), r.lostAt(),
                LOST_EXIT_CODE, ContainerStatus.REASON_ERROR, r.message(), r.user());
    }

    private static String message(ContainerRecord r) {
        return r.message() == null ? "" : r.message();
    }

    /**
     * Called by the exit watcher (and after stop): true once the container reached its final state; fires STOPPED
     * once per container, remembered in the record across restarts.
     */
    private boolean settle(String id) {
        ContainerRecord r = known.get(id);
        if (r == null) {
            return true;
        }
        ContainerStatus st = compute(r);
        if (st.state() != ContainerState.EXITED) {
            return false;
        }
        ReentrantLock lock = lockOf(id);
        if (!lock.tryLock()) {
            return false; // someone works on it (delete, stop): look again at the next sweep
        }
        try {
            ContainerRecord cur = known.get(id);
            if (cur == null || cur.exitReported()) {
                return true;
            }
            update(cur.withExitReported());
        } finally {
            lock.unlock();
        }
        events.publish(new RuntimeEvent(id, RuntimeEvent.Type.STOPPED,
                st.finishedAt() == null ? Instant.now() : st.finishedAt()));
        return true;
    }

    /** Waits until the exit file appears or the monitor is gone. */
    private boolean awaitExit(ContainerRecord r, Duration timeout) {
        ContainerDirs d = dirs(r.id());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(d.exitFile()) || !ProcFs.alive(r.conmonPid(), r.id())) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BerthException(ErrorKind.CANCELLED, "interrupted while waiting for " + r.id());
            }
        }
    }

    // ---------------------------------------------------------------- recovery and cleanup

    private void recover() {
        List<ContainerRecord> all = records.loadAll();
        for (ContainerRecord r : all) {
            known.put(r.id(), r);
        }
        int running = 0;
        for (ContainerRecord r : all) {
            ContainerStatus st = compute(r);
            if (st.state() == ContainerState.CREATED && startedMeanwhile(r)) {
                // the daemon died between runc start and recording it: the container runs, and a retried
                // StartContainer must not treat it as a failed start
                r = r.withStarted(Instant.now());
                update(r);
                st = compute(r);
            }
            if (st.state() == ContainerState.EXITED) {
                settle(r.id()); // reports exits that happened while the daemon was down
            } else {
                running++;
                exits.watch(r.id(), dirs(r.id()).exitDir());
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.equals(RUNC_DIR) && !name.equals(ATTACH_DIR) && !name.equals(USERNS_ROOTFS_DIR)
                        && Files.isDirectory(p) && !known.containsKey(name)) {
                    LOG.info("removing runtime state of unrecorded container {}", name);
                    try {
                        removeRuntimeState(name, defaultRuntime); // no record tells its runtime: runc's CLI is shared
                    } catch (RuntimeException e) {
                        LOG.warn("cannot remove stray container state {}: {}", p, e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", state, e.toString());
        }
        if (!all.isEmpty()) {
            LOG.info("recovered {} containers ({} created or running)", all.size(), running);
        }
    }

    /** Whether the runtime says a container recorded as created has started (its init left {@code runc init}). */
    private boolean startedMeanwhile(ContainerRecord r) {
        return runc(r).state(r.id()).map(st -> st.status().equals("running") || st.status().equals("stopped"))
                .orElse(false);
    }

    /**
     * Removes everything of a container but its record and log: runc's state (killing what still runs), the conmon,
     * the rootfs mount, the bundle. Safe to repeat; each step tolerates what is already gone.
     */
    private void removeRuntimeState(String id, Path runtime) {
        ContainerDirs d = dirs(id);
        ProcessRunner.Result del = runc(runtime).deleteForce(id);
        if (!del.ok() && !del.message().contains("does not exist") && !del.message().contains("not exist")) {
            LOG.debug("runc delete {}: {}", id, del.message());
        }
        Optional<Long> conmonPid = ProcFs.readPid(d.conmonPidFile());
        if (conmonPid.isPresent()) {
            // conmon leaves by itself once the container is gone; give it a moment to write its files
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (ProcFs.alive(conmonPid.get(), id) && System.nanoTime() < until) {
                sleep(20);
            }
            ProcFs.kill(conmonPid.get(), id);
        }
        RuntimeException failure = null;
        if (Files.exists(d.bundle())) {
            for (Path m : Mounts.mountPointsUnder(d.bundle())) {
                try {
                    Mounts.unmountAll(m);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        }
        // before the bundle goes: a stray bundle is what recovery sweeps, and it takes this root file system along
        if (Files.exists(d.usernsRootfs())) {
            try {
                Mounts.unmountAll(d.usernsRootfs());
                Files.delete(d.usernsRootfs());
            } catch (RuntimeException | IOException e) {
                failure = e instanceof RuntimeException r ? r : new java.io.UncheckedIOException((IOException) e);
            }
        }
        if (failure != null) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot unmount the root filesystem of container " + id
                    + ": " + failure.getMessage(), failure);
        }
        try {
            FileTrees.deleteRecursively(d.bundle());
            Files.deleteIfExists(d.attachDir().resolve(id));
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot remove " + d.bundle() + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The host pid of a created or running container, for a spec joining its pid namespace; null otherwise. */
    private Long pidOf(String otherId) {
        ContainerRecord r = known.get(otherId);
        if (r == null) {
            return null;
        }
        ContainerStatus st = compute(r);
        return st.state() == ContainerState.RUNNING || st.state() == ContainerState.CREATED ? st.pid() : null;
    }

    /** The exit code of a container that exited; empty while it runs or once it is deleted. */
    private OptionalInt exitCodeOf(String id) {
        ContainerRecord r = known.get(id);
        if (r == null) {
            return OptionalInt.empty();
        }
        ContainerStatus st = compute(r);
        return st.state() == ContainerState.EXITED ? OptionalInt.of(st.exitCode()) : OptionalInt.empty();
    }

    private Path execPidFile(String id) {
        return dirs(id).bundle().resolve("exec-" + UUID.randomUUID() + ".pid");
    }

    private Libc libc() {
        Libc l = libc;
        if (l == null) {
            synchronized (this) {
                l = libc;
                if (l == null) {
                    l = Libc.load();
                    libc = l;
                }
            }
        }
        return l;
    }

    private ContainerRecord require(String id) {
        ContainerRecord r = id == null ? null : known.get(id);
        if (r == null) {
            throw BerthException.notFound("container %s not found", id);
        }
        return r;
    }

    private void requireState(ContainerRecord r, ContainerState want, String what) {
        ContainerState s = compute(r).state();
        if (s != want) {
            throw BerthException.failedPrecondition("cannot %s container %s: it is %s", what, r.id(), s);
        }
    }

    private ContainerRecord update(ContainerRecord r) {
        records.put(r);
        known.put(r.id(), r);
        return r;
    }

    private ReentrantLock lockOf(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    private ContainerDirs dirs(String id) {
        return new ContainerDirs(state, id);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover file in the bundle goes with the bundle
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
