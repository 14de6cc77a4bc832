package dev.berth.shim.runc;

import dev.berth.core.plugin.InitContext;
import dev.berth.core.plugin.PluginProvider;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.shim.runc.spec.OciSpecBuilder;
import dev.berth.shim.runc.spec.SpecDefaults;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@code io.berth.runtime.v2.runc}: checks that systemd runs if its cgroup driver is configured, finds runc
 * and conmon, learns the host's cgroup layout and whether oom_score_adj may be lowered, and recovers the containers
 * of an earlier run.
 */
public final class RuncShimPlugin implements PluginProvider {
    /** The plugin id, the name a runtime handler refers to. */
    public static final String ID = "runc";
    private static final Logger LOG = LoggerFactory.getLogger(RuncShimPlugin.class);
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    /** Present exactly when systemd is the init system (sd_booted). */
    private static final Path RUN_SYSTEMD = Path.of("/run/systemd/system");

    @Override
    public List<Registration> registrations() {
        return List.of(Registration.builder(PluginTypes.RUNTIME, ID).init(RuncShimPlugin::init));
    }

    private static RuncShim init(InitContext ctx) {
        RuncShimSettings s = RuncShimSettings.from(ctx.config());
        HostFacts.requireSystemdIfConfigured(s.systemdCgroup(), RUN_SYSTEMD);
        String path = System.getenv("PATH");
        Path runc = HostFacts.findExecutable(s.runtimePath(), "runtime_path", path);
        Path conmon = HostFacts.findExecutable(s.conmonPath(), "conmon_path", path);
        boolean v2 = HostFacts.cgroupV2(CGROUP_ROOT);
        int minOom = -1000;
        if (!HostFacts.canLowerOomScoreAdj()) {
            minOom = HostFacts.ownOomScoreAdj();
            LOG.warn("berthd lacks CAP_SYS_RESOURCE: container oom_score_adj below {} (berthd's own) is raised to it",
                    minOom);
        }
        OciSpecBuilder specs = new OciSpecBuilder(new SpecDefaults(s.systemdCgroup(), v2, minOom,
                s.defaultCgroupParent()));
        // what runc supports (`runc features`) is asked on first use, not here: start-up stays one exec shorter
        return new RuncShim(ctx.root(), ctx.state(), s, runc, conmon, specs,
                new CgroupStats(CGROUP_ROOT, Path.of("/proc"), v2));
    }
}
