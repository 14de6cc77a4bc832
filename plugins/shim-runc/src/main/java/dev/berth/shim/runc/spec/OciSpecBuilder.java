package dev.berth.shim.runc.spec;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.sandbox.PodSysctls;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.SecurityOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a {@link ContainerSpec} into an OCI runtime {@code config.json}, so the rest of the shim never deals with
 * OCI field names. Every check that can fail on user input happens here, before any mount, monitor or cgroup exists,
 * which keeps a refused create free of leftovers.
 */
public final class OciSpecBuilder {
    static final String ANNOTATION_CONTAINER_NAME = "io.kubernetes.cri.container-name";
    static final String ANNOTATION_SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
    private static final int MAX_OOM_SCORE_ADJ = 1000;

    private final SpecDefaults defaults;
    private final long maxOpenFiles;
    private final Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private final ProcessArgs processArgs = new ProcessArgs();
    private final ProcessEnv processEnv = new ProcessEnv();
    private final Capabilities capabilities;
    private final SeccompProfiles seccomp = new SeccompProfiles();
    private final AppArmorProfiles apparmor;
    private final Namespaces namespaces;
    private final MountsBuilder mounts = new MountsBuilder();
    private final CgroupsPath cgroupsPath;
    private final ResourcesJson resources;
    private final DeviceRules devices = new DeviceRules();
    private final ProtectedPaths protectedPaths = new ProtectedPaths();

    public OciSpecBuilder(SpecDefaults defaults) {
        this(defaults, HostKernel.probe());
    }

    OciSpecBuilder(SpecDefaults defaults, HostKernel kernel) {
        this.defaults = defaults;
        this.maxOpenFiles = kernel.maxOpenFiles();
        this.capabilities = new Capabilities(kernel.lastCapability());
        this.apparmor = new AppArmorProfiles(kernel.apparmorEnabled());
        this.namespaces = new Namespaces(defaults.cgroupV2());
        this.cgroupsPath = new CgroupsPath(defaults.systemdCgroup(), defaults.defaultCgroupParent());
        this.resources = new ResourcesJson(defaults.cgroupV2());
    }

    /**
     * @param rootfs         the container's mounted root filesystem (users and groups are read from its /etc)
     * @param pidOfContainer the host pid of another container of the pod (for a TARGET pid namespace), or null
     * @return the config.json text
     * @throws dev.berth.core.errdefs.BerthException INVALID_ARGUMENT naming the field that cannot be honoured
     */
    public String build(ContainerSpec spec, Path rootfs, Function<String, Long> pidOfContainer) {
        PodContext pod = spec.pod() != null ? spec.pod() : emptyPod();
        SecurityOptions sec = spec.security();
        boolean hostUts = pod.hostNetwork();

        Oci.Process process = new Oci.Process(
                spec.tty(),
                new ImageUsers(new RootfsFiles(rootfs)).resolve(spec),
                processArgs.merge(spec),
                processEnv.merge(spec.image().env(), spec.env(), pod.hostname()),
                processArgs.cwd(spec),
                capabilities.compute(sec),
                List.of(new Oci.Rlimit("RLIMIT_NOFILE", maxOpenFiles, maxOpenFiles)),
                sec.noNewPrivs(),
                apparmor.forContainer(sec),
                oomScoreAdj(spec.resources()));
        Oci.Linux linux = new Oci.Linux(
                PodSysctls.checked(pod.sysctls(), pod.hostNetwork(), pod.hostIpc()),
                resources.toOci(spec.resources(), devices.cgroupRules(sec.privileged(), spec.devices())),
                cgroupsPath.forContainer(pod.cgroupParent(), spec.id()),
                namespaces.forContainer(pod, pidOfContainer),
                devices.nodes(spec.devices()),
                seccomp.forContainer(sec),
                protectedPaths.masked(sec),
                protectedPaths.readonly(sec),
                idMappings(pod, true),
                idMappings(pod, false));
        Oci.Spec oci = new Oci.Spec(
                Oci.VERSION,
                process,
                new Oci.Root(rootfs.toAbsolutePath().normalize().toString(), sec.readonlyRootfs()),
                hostUts || pod.hostname().isEmpty() ? null : pod.hostname(),
                mounts.forContainer(spec, pod),
                linux,
                annotations(spec, pod));
        return gson.toJson(oci);
    }

    /** The OCI {@code linux.resources} object for {@code runc update --resources}. */
    public String resourcesJson(Resources resources) {
        return gson.toJson(this.resources.toOci(resources, List.of()));
    }

    private int oomScoreAdj(Resources r) {
        // kubelet asks for -997 for critical pods; a host without CAP_SYS_RESOURCE makes runc fail on anything lower
        // than our own value, with a message nobody can act on
        long clamped = Math.max(defaults.minOomScoreAdj(), Math.min(MAX_OOM_SCORE_ADJ, r.oomScoreAdj()));
        return (int) clamped;
    }

    private static List<Oci.IdMapping> idMappings(PodContext pod, boolean uids) {
        if (!pod.ownUserNamespace()) {
            return null;
        }
        return (uids ? pod.userns().uids() : pod.userns().gids()).stream()
                .map(m -> new Oci.IdMapping(m.containerId(), m.hostId(), m.length())).toList();
    }

    private static Map<String, String> annotations(ContainerSpec spec, PodContext pod) {
        Map<String, String> annotations = new LinkedHashMap<>(spec.annotations());
        annotations.put(ANNOTATION_CONTAINER_NAME, spec.name());
        annotations.put(ANNOTATION_SANDBOX_ID, pod.sandboxId());
        return annotations;
    }

    private static PodContext emptyPod() {
        return new PodContext(null, null, null, null, null, false, false, null, null, null, null, null, null, null,
                null, null);
    }
}
