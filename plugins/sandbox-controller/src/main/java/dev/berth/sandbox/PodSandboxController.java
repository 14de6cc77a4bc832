package dev.berth.sandbox;

import dev.berth.core.process.ProcessRunner;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.fs.FileTrees;
import dev.berth.core.sandbox.ExitStatus;
import dev.berth.core.sandbox.InfraContainer;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.PodSysctls;
import dev.berth.core.sandbox.NetworkReadiness;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxController;
import dev.berth.core.sandbox.SandboxInfo;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.sandbox.SandboxRecord.Phase;
import dev.berth.sandbox.cni.CniAttachment;
import dev.berth.sandbox.cni.CniConfList;
import dev.berth.sandbox.cni.CniNetwork;
import dev.berth.sandbox.cni.CniResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pod sandboxes whose network, UTS and IPC namespaces are pinned by bind mounts, networked by CNI, with per-pod
 * hostname/hosts/resolv.conf files and a /dev/shm tmpfs. In the default, pause-less mode only a pod that shares one
 * pid namespace among its containers gets an infra process, since nothing else can hold a pid namespace (see
 * {@link PidNamespaceHolders}). A pod whose config names an {@link dev.berth.core.sandbox.InfraContainer} (its runtime
 * handler has {@code pod_infra = "image"}) gets that container instead, whatever its pid sharing (see
 * {@link InfraContainers}). Records live in an MVStore so status and list survive a daemon restart; at open, what a
 * reboot or crash left inconsistent is released and marked NOTREADY — never a reason to fail startup.
 */
public final class PodSandboxController implements SandboxController, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodSandboxController.class);
    /** Ids become file names; keep them to what a CRI runtime generates. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final String IFNAME = "eth0";
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?");
    /** A host name made from the pod name is cut to this many UTF-8 bytes (the kernel takes at most 64). */
    private static final int MAX_DERIVED_HOSTNAME_BYTES = 63;
    /** Verbose status key: host pid of the infra process holding the pod's pid namespace. */
    static final String INFO_INFRA_PID = "infraPid";
    /** Verbose status key: the image the infra container runs, in image mode. */
    static final String INFO_INFRA_IMAGE = "infraImage";

    private final Path state;
    private final PodSandboxSettings settings;
    private final SandboxStore store;
    private final ProcessRunner runner = new ProcessRunner();
    private final Mounts mounts = new Mounts();
    private final PinnedNamespaces namespaces = new PinnedNamespaces(mounts);
    private final PodSysctlWriter sysctls = new PodSysctlWriter(runner);
    private final NetnsDialer dialer = new NetnsDialer();
    private final SandboxProfiles profiles = new SandboxProfiles();
    private final PodCgroups cgroups = new PodCgroups(Path.of("/sys/fs/cgroup"));
    private final PidNamespaceHolders holders = new PidNamespaceHolders(Duration.ofSeconds(10), Duration.ofSeconds(10));
    private final InfraContainers infras;
    private final CniNetwork cni;
    private final PodCidrs podCidrs;
    private final SandboxFiles files;
    private final Clock clock;
    /** Striped so that calls for one sandbox serialise while different sandboxes mostly proceed in parallel. */
    private final ReentrantLock[] locks = new ReentrantLock[64];
    /** Serialises the check-then-insert of create, so two pods cannot take the same name. */
    private final Object createLock = new Object();
    private final Map<String, CompletableFuture<ExitStatus>> waiters = new ConcurrentHashMap<>();

    /** A controller for pause-less pods only: pods that name an infra container are refused. */
    public PodSandboxController(Path root, Path state, PodSandboxSettings settings) throws IOException {
        this(root, state, settings, new InfraContainers(Map.of(), Map.of()));
    }

    PodSandboxController(Path root, Path state, PodSandboxSettings settings, InfraContainers infras) throws IOException {
        this(root, state, settings, new SandboxFiles(Path.of("/etc/hosts"), Path.of("/etc/resolv.conf")),
                Clock.systemUTC(), infras);
    }

    PodSandboxController(Path root, Path state, PodSandboxSettings settings, SandboxFiles files, Clock clock)
            throws IOException {
        this(root, state, settings, files, clock, new InfraContainers(Map.of(), Map.of()));
    }

    PodSandboxController(Path root, Path state, PodSandboxSettings settings, SandboxFiles files, Clock clock,
                         InfraContainers infras) throws IOException {
        this.state = state.toAbsolutePath();
        this.settings = settings;
        this.files = files;
        this.clock = clock;
        this.infras = infras;
        this.cni = new CniNetwork(settings.cniBinDirs(), settings.cniTimeout(), runner);
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
        Files.createDirectories(root);
        Files.createDirectories(this.state.resolve("sandboxes"));
        this.podCidrs = new PodCidrs(root, settings.cniConfTemplate(), settings.cniConfDir());
        this.store = new SandboxStore(root.resolve("sandboxes.db"));
        reconcile();
    }

    // ---------------------------------------------------------------- SPI

    @Override
    public SandboxInfo create(SandboxConfig config) {
        validate(config);
        String id = config.id();
        synchronized (createLock) {
            if (store.get(id) != null) {
                throw new BerthException(ErrorKind.ALREADY_EXISTS, "sandbox " + id + " already exists");
            }
            for (SandboxRecord r : store.all()) {
                SandboxConfig c = r.config();
                if (c.name().equals(config.name()) && c.namespace().equals(config.namespace())
                        && c.uid().equals(config.uid()) && c.attempt() == config.attempt()) {
                    throw new BerthException(ErrorKind.ALREADY_EXISTS, "sandbox name " + config.namespace() + "/"
                            + config.name() + " (uid " + config.uid() + ", attempt " + config.attempt()
                            + ") is taken by sandbox " + r.id());
                }
            }
            SandboxRecord r = new SandboxRecord(id, Phase.CREATED, clock.instant().toString(), null, config,
                    hostnameOf(config), null, null, 0);
            store.put(r);
            return info(r);
        }
    }

    @Override
    public SandboxInfo start(String id) {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            SandboxRecord r = require(id);
            switch (r.phase()) {
                case READY:
                    return info(r);
                case STOPPED:
                    throw BerthException.failedPrecondition("sandbox %s is stopped; it cannot be started again", id);
                default:
                    return doStart(r);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void stop(String id, Duration timeout) {
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            SandboxRecord r = require(id);
            if (r.phase() != Phase.STOPPED) {
                r = r.stopped(clock.instant().toString());
                store.put(r);
            }
            // Also on an already stopped sandbox: a DEL that failed last time is retried until it succeeds.
            store.put(release(r, timeout));
            CompletableFuture<ExitStatus> w = waiters.remove(id);
            if (w != null) {
                w.complete(exitStatus(r));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ExitStatus wait(String id) {
        CompletableFuture<ExitStatus> f;
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            SandboxRecord r = require(id);
            if (r.phase() == Phase.STOPPED) {
                return exitStatus(r);
            }
            f = waiters.computeIfAbsent(id, k -> new CompletableFuture<>());
        } finally {
            lock.unlock();
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "wait for sandbox " + id + " interrupted", e);
        } catch (ExecutionException e) {
            throw new BerthException(ErrorKind.INTERNAL, "wait for sandbox " + id + ": " + e.getCause(), e);
        }
    }

    @Override
    public SandboxStatus status(String id, boolean verbose) {
        return status(require(id), verbose);
    }

    @Override
    public java.nio.channels.SocketChannel dial(String id, int port) {
        if (port < 1 || port > 65535) {
            throw BerthException.invalidArgument("port must be within 1-65535, got %d", port);
        }
        SandboxRecord r = require(id);
        if (r.phase() != Phase.READY) {
            throw new BerthException(ErrorKind.FAILED_PRECONDITION, "sandbox " + id + " is not ready: no network to forward into");
        }
        return dialer.dial(r.config().namespaceOptions().hostNetwork() ? null : netnsPath(id), port, id);
    }

    @Override
    public void shutdown(String id) {
        if (!ID.matcher(id).matches()) {
            return; // such an id was never created, and must not become a path
        }
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            SandboxRecord r = store.get(id);
            if (r != null) {
                r = r.stopped(clock.instant().toString());
                store.put(r);
                store.put(release(r, Duration.ZERO));
                if (r.config().infra() != null) {
                    infras.remove(id, r.config().infra());
                }
            } else {
                releasePaths(id);
            }
            deleteTree(sandboxDir(id));
            store.remove(id);
            CompletableFuture<ExitStatus> w = waiters.remove(id);
            if (w != null) {
                w.completeExceptionally(BerthException.notFound("sandbox %s was removed", id));
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<SandboxStatus> list() {
        return store.all().stream().map(r -> status(r, false)).toList();
    }

    @Override
    public NetworkReadiness networkReady() {
        return CniConfList.loadFirst(settings.cniConfDir()).isPresent() ? NetworkReadiness.ok()
                : NetworkReadiness.notReady(noNetworkConfig());
    }

    @Override
    public void updatePodCidrs(List<String> cidrs) {
        podCidrs.update(cidrs);
    }

    @Override
    public void close() {
        store.close();
    }

    // ---------------------------------------------------------------- start

    private SandboxInfo doStart(SandboxRecord r) {
        SandboxConfig c = r.config();
        boolean hostNet = c.namespaceOptions().hostNetwork();
        boolean hostIpc = c.namespaceOptions().hostIpc();
        Optional<CniConfList> conf = Optional.empty();
        if (!hostNet) {
            conf = CniConfList.loadFirst(settings.cniConfDir());
            if (conf.isEmpty()) {
                throw BerthException.failedPrecondition("%s", noNetworkConfig());
            }
        }
        // Persist the intent first: if the daemon dies during ADD, startup knows a DEL is owed and with what.
        r = r.withPhase(Phase.STARTING).withNetwork(conf.map(CniConfList::json).orElse(null), null);
        store.put(r);
        try {
            Files.createDirectories(sandboxDir(r.id()));
            UserNamespace userns = c.namespaceOptions().userns();
            if (userns != null) {
                namespaces.createInUserNamespace(userns, usernsPath(r.id()), netnsPath(r.id()), utsnsPath(r.id()),
                        ipcnsPath(r.id()), r.hostname());
            } else {
                namespaces.create(hostNet ? null : netnsPath(r.id()), hostNet ? null : utsnsPath(r.id()),
                        hostIpc ? null : ipcnsPath(r.id()), r.hostname());
            }
            String ip = "";
            if (conf.isPresent()) {
                CniResult result;
                try {
                    result = cni.add(conf.get(), attachment(r, netnsPath(r.id()).toString()));
                } catch (RuntimeException e) {
                    r = r.withoutNetwork(); // add() ran DEL for what it had added
                    throw e;
                }
                // Kept in memory only until READY is stored: a crash before that runs DEL without the result,
                // which CNI plugins must accept; one fsync less per pod.
                r = r.withNetwork(r.cniConfList(), result.json());
                ip = result.primaryIp();
            }
            // after CNI, so the pod's own values win over what a network plugin set
            sysctls.apply(PodSysctls.checked(c.sysctls(), hostNet, hostIpc), hostNet ? null : netnsPath(r.id()),
                    hostIpc ? null : ipcnsPath(r.id()));
            files.write(sandboxDir(r.id()), r.hostname(), ip, c.dns(), hostNet);
            if (!hostIpc) {
                Path shm = shmPath(r.id());
                Files.createDirectories(shm);
                mounts.mountShm(shm, settings.shmSizeBytes());
            }
            if (userns != null) {
                // the pod's root owns its /etc files and /dev/shm, as a container's root does without a user namespace
                files.chown(sandboxDir(r.id()), userns.hostRootUid(), userns.hostRootGid());
                FileTrees.chown(shmPath(r.id()), userns.hostRootUid(), userns.hostRootGid());
            }
            if (c.infra() != null) {
                // Last, so that a failing CNI ADD has no process to kill; it joins the namespaces made above.
                PodContext pod = InfraContainers.podContext(r.id(), c, r.hostname(), hostNet ? null : netnsPath(r.id()),
                        hostIpc ? null : ipcnsPath(r.id()), hostNet ? null : utsnsPath(r.id()));
                long pid = infras.start(r.id(), c, userns == null ? pod
                        : pod.inUserNamespace(usernsPath(r.id()).toString(), userns));
                r = r.withInfraPid(pid);
                store.put(r);
            } else if (sharesPidNamespace(c)) {
                long pid = holders.start(r.id(), userns == null ? null : usernsPath(r.id()),
                        hostNet ? null : netnsPath(r.id()), hostIpc ? null : ipcnsPath(r.id()),
                        hostNet ? null : utsnsPath(r.id()));
                r = r.withInfraPid(pid);
                store.put(r);
                if (PodCgroups.applies(c.cgroupParent())) {
                    cgroups.join(c.cgroupParent(), r.id(), pid);
                }
            }
            r = r.withPhase(Phase.READY);
            store.put(r);
            return info(r);
        } catch (IOException | RuntimeException e) {
            // A cancelled call must still release its IP and namespaces: clean up with the interrupt cleared.
            boolean interrupted = Thread.interrupted();
            try {
                store.put(release(r, Duration.ZERO).withPhase(Phase.CREATED));
                if (c.infra() != null) {
                    infras.remove(r.id(), c.infra());
                }
            } catch (RuntimeException cleanup) {
                LOG.warn("sandbox {}: cleanup after failed start: {}", r.id(), cleanup.getMessage());
                e.addSuppressed(cleanup);
                store.put(r.withPhase(Phase.STOPPED));
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (e instanceof IOException io) {
                throw new BerthException(ErrorKind.INTERNAL, "sandbox " + r.id() + ": " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    // ---------------------------------------------------------------- teardown

    /**
     * Releases everything a sandbox holds except its record and files: the infra process (an infra container gets
     * {@code grace} after its stop signal; its runtime state and snapshot stay until shutdown), shm, the network
     * (CNI DEL), namespaces. Idempotent. If DEL fails the namespace stays, the error is thrown, and the returned state
     * is not persisted — the next stop retries.
     */
    private SandboxRecord release(SandboxRecord r, Duration grace) {
        String id = r.id();
        InfraContainer infra = r.config().infra();
        if (infra != null) {
            infras.stop(id, infra, grace); // also with no pid recorded: a crash may have come between start and put
            if (r.infraPid() != 0) {
                r = r.withInfraPid(0);
                store.put(r);
            }
        } else {
            if (r.infraPid() != 0) {
                holders.kill(r.infraPid(), id);
                r = r.withInfraPid(0);
                store.put(r);
            }
            cgroups.remove(r.config().cgroupParent(), id); // an infra container's cgroup is its runtime's
        }
        mounts.unmountAll(shmPath(id));
        if (r.networkAttached()) {
            CniConfList conf = CniConfList.parse(r.cniConfList(), "the record of sandbox " + id);
            Path netns = netnsPath(id);
            // A namespace lost to a reboot is passed as "": plugins then release what lives outside it (IPAM).
            String nsArg = namespaces.isPinned(netns) ? netns.toString() : "";
            cni.del(conf, attachment(r, nsArg), r.cniResult());
            r = r.withoutNetwork();
            store.put(r);
        }
        releasePaths(id);
        return r;
    }

    private void releasePaths(String id) {
        mounts.unmountAll(shmPath(id));
        namespaces.remove(netnsPath(id));
        namespaces.remove(utsnsPath(id));
        namespaces.remove(ipcnsPath(id));
        namespaces.remove(usernsPath(id)); // last: the others belong to it
    }

    /** Startup: what a reboot (namespaces and /run gone) or a crash left behind is released; never throws. */
    private void reconcile() {
        List<SandboxRecord> all = store.all();
        infras.removeOrphanSnapshots(all.stream().map(SandboxRecord::id).collect(java.util.stream.Collectors.toSet()));
        for (SandboxRecord r : all) {
            try {
                boolean broken = switch (r.phase()) {
                    case STARTING -> true;
                    case READY -> !intact(r);
                    case STOPPED -> r.networkAttached() || r.infraPid() != 0;
                    case CREATED -> false;
                };
                if (!broken) {
                    continue;
                }
                LOG.info("sandbox {}: {} at startup; releasing what is left and marking it NOTREADY", r.id(),
                        r.phase() == Phase.STARTING ? "was being started" : "is incomplete");
                if (r.phase() == Phase.STARTING && r.config().infra() != null) {
                    infras.remove(r.id(), r.config().infra()); // half-made: no container or snapshot may remain
                } else if (r.phase() == Phase.STARTING && sharesPidNamespace(r.config())) {
                    holders.killAll(r.id()); // it may have been started without its pid being recorded
                }
                r = r.stopped(clock.instant().toString());
                store.put(r);
                store.put(release(r, Duration.ZERO));
            } catch (RuntimeException e) {
                LOG.warn("sandbox {}: cleanup at startup failed (retried on stop/remove): {}", r.id(), e.getMessage());
            }
        }
    }

    private boolean intact(SandboxRecord r) {
        SandboxConfig c = r.config();
        if (!infraAlive(r)) {
            return false; // containers cannot join a pid namespace that died with its holder
        }
        if (!c.namespaceOptions().hostNetwork()
                && (!namespaces.isPinned(netnsPath(r.id())) || !namespaces.isPinned(utsnsPath(r.id())))) {
            return false;
        }
        if (c.namespaceOptions().userns() != null && !namespaces.isPinned(usernsPath(r.id()))) {
            return false;
        }
        return c.namespaceOptions().hostIpc()
                || (namespaces.isPinned(ipcnsPath(r.id())) && mounts.isMountPoint(shmPath(r.id())));
    }

    // ---------------------------------------------------------------- helpers

    private SandboxStatus status(SandboxRecord r, boolean verbose) {
        String id = r.id();
        boolean infraUp = r.phase() == Phase.READY && infraAlive(r);
        // A pod whose infra container died is no longer ready, as with containerd: the kubelet makes a new one.
        boolean ready = r.phase() == Phase.READY && (r.config().infra() == null || infraUp);
        CniResult result = r.cniResult() == null ? null : CniResult.parse(r.cniResult());
        Map<String, String> info = new HashMap<>();
        if (ready) {
            if (r.config().namespaceOptions().userns() != null) {
                info.put(SandboxStatus.INFO_USER_NS, usernsPath(id).toString());
            }
            if (!r.config().namespaceOptions().hostNetwork()) {
                info.put(SandboxStatus.INFO_UTS_NS, utsnsPath(id).toString());
            }
            if (!r.config().namespaceOptions().hostIpc()) {
                info.put(SandboxStatus.INFO_IPC_NS, ipcnsPath(id).toString());
                info.put(SandboxStatus.INFO_SHM, shmPath(id).toString());
            }
            info.put(SandboxStatus.INFO_HOSTNAME_FILE, sandboxDir(id).resolve(SandboxFiles.HOSTNAME).toString());
            info.put(SandboxStatus.INFO_HOSTS_FILE, sandboxDir(id).resolve(SandboxFiles.HOSTS).toString());
            info.put(SandboxStatus.INFO_RESOLV_CONF, sandboxDir(id).resolve(SandboxFiles.RESOLV_CONF).toString());
            if (r.infraPid() != 0 && sharesPidNamespace(r.config()) && infraUp) {
                info.put(SandboxStatus.INFO_PID_NS, "/proc/" + r.infraPid() + "/ns/pid");
            }
        }
        if (verbose && r.cniResult() != null) {
            info.put(SandboxStatus.INFO_CNI_RESULT, r.cniResult());
        }
        if (verbose && r.infraPid() != 0) {
            info.put(INFO_INFRA_PID, Long.toString(r.infraPid()));
        }
        if (verbose && r.config().infra() != null) {
            info.put(INFO_INFRA_IMAGE, r.config().infra().image());
        }
        return new SandboxStatus(id, ready ? SandboxState.READY : SandboxState.NOTREADY, Instant.parse(r.createdAt()),
                ready && result != null ? result.primaryIp() : "",
                ready && result != null ? result.additionalIps() : List.of(),
                ready && !r.config().namespaceOptions().hostNetwork() ? netnsPath(id).toString() : "",
                r.hostname(), r.config(), info);
    }

    private SandboxInfo info(SandboxRecord r) {
        boolean withNetns = r.phase() == Phase.READY && !r.config().namespaceOptions().hostNetwork();
        return new SandboxInfo(r.id(), r.infraPid(), Instant.parse(r.createdAt()),
                withNetns ? netnsPath(r.id()).toString() : "");
    }

    private ExitStatus exitStatus(SandboxRecord r) {
        return new ExitStatus(0, r.stoppedAt() == null ? clock.instant() : Instant.parse(r.stoppedAt()));
    }

    private CniAttachment attachment(SandboxRecord r, String netns) {
        SandboxConfig c = r.config();
        return new CniAttachment(r.id(), netns, IFNAME, c.namespace(), c.name(), c.uid(), c.portMappings());
    }

    /**
     * Whether the sandbox's infra process (holder or container) runs, or it needs none: a pause-less pod that does not
     * share a pid namespace.
     */
    private boolean infraAlive(SandboxRecord r) {
        if (r.config().infra() != null) {
            return infras.running(r.id(), r.config().infra());
        }
        return !sharesPidNamespace(r.config()) || holders.isAlive(r.infraPid(), r.id());
    }

    private static boolean sharesPidNamespace(SandboxConfig c) {
        return c.namespaceOptions().pid() == NamespaceMode.POD;
    }

    private void validate(SandboxConfig c) {
        if (c.id().isEmpty()) {
            throw BerthException.invalidArgument("sandbox id is required");
        }
        if (!ID.matcher(c.id()).matches()) {
            throw BerthException.invalidArgument("sandbox id %s must match %s", c.id(), ID);
        }
        if (c.name().isEmpty()) {
            throw BerthException.invalidArgument("metadata.name is required");
        }
        if (c.namespace().isEmpty()) {
            throw BerthException.invalidArgument("metadata.namespace is required");
        }
        if (c.uid().isEmpty()) {
            throw BerthException.invalidArgument("metadata.uid is required");
        }
        PodSysctls.checked(c.sysctls(), c.namespaceOptions().hostNetwork(), c.namespaceOptions().hostIpc());
        profiles.check(c.security());
        PodCgroups.relative(c.cgroupParent());
        if (c.infra() != null) {
            infras.check(c.infra());
        }
        c.namespaceOptions().checkUserNamespace("namespace_options");
        if (!c.hostname().isEmpty() && !HOSTNAME.matcher(c.hostname()).matches()) {
            throw BerthException.invalidArgument("hostname %s is not a valid host name (at most 64 of [A-Za-z0-9.-])",
                    c.hostname());
        }
    }

    private static String hostnameOf(SandboxConfig c) {
        if (!c.hostname().isEmpty()) {
            return c.hostname();
        }
        if (c.namespaceOptions().hostNetwork()) {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                return "localhost";
            }
        }
        return utf8Prefix(c.name(), MAX_DERIVED_HOSTNAME_BYTES);
    }

    /**
     * The longest prefix of {@code s} whose UTF-8 encoding fits in {@code maxBytes}, cut between code points: the
     * kernel's limit on a host name is in bytes (64), and a pod name need not be ASCII.
     */
    static String utf8Prefix(String s, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < s.length()) {
            int cp = s.codePointAt(end);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > maxBytes) {
                break;
            }
            bytes += n;
            end += Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private String noNetworkConfig() {
        return "no network config in " + settings.cniConfDir() + (podCidrs.waitingForCidrs()
                ? " (cni_conf_template is rendered there once the node's pod CIDR arrives through UpdateRuntimeConfig)" : "");
    }

    private SandboxRecord require(String id) {
        SandboxRecord r = store.get(id);
        if (r == null) {
            throw BerthException.notFound("sandbox %s not found", id);
        }
        return r;
    }

    private ReentrantLock lock(String id) {
        return locks[Math.floorMod(id.hashCode(), locks.length)];
    }

    Path netnsPath(String id) {
        return state.resolve("netns").resolve(id);
    }

    Path utsnsPath(String id) {
        return state.resolve("utsns").resolve(id);
    }

    Path ipcnsPath(String id) {
        return state.resolve("ipcns").resolve(id);
    }

    Path usernsPath(String id) {
        return state.resolve("userns").resolve(id);
    }

    Path sandboxDir(String id) {
        return state.resolve("sandboxes").resolve(id);
    }

    Path shmPath(String id) {
        return sandboxDir(id).resolve("shm");
    }

    /** Deletes a sandbox directory; refuses to descend into a mount (its shm must be unmounted first). */
    private void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (mounts.mountPoints().stream().anyMatch(m -> m.startsWith(dir))) {
            throw new BerthException(ErrorKind.INTERNAL, "sandbox directory " + dir + " still has mounts");
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
