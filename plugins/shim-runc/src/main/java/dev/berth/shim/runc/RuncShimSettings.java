package dev.berth.shim.runc;

import com.typesafe.config.Config;

/**
 * The plugin's configuration, {@code [plugins."io.berth.runtime.v2.runc"]}.
 *
 * @param runtimePath         runc (or crun): a name looked up on PATH, or an absolute path
 * @param conmonPath          conmon: a name looked up on PATH, or an absolute path
 * @param systemdCgroup       cgroups are managed through systemd
 * @param defaultCgroupParent cgroup parent of containers whose pod names none
 * @param execMaxOutput       bytes ExecSync keeps per stream, whatever the caller asks
 * @param logSizeMax          conmon's {@code --log-size-max}; zero or negative is unlimited
 * @param criuPath            CRIU, for checkpoints: a name looked up on PATH, or an absolute path; looked for only
 *                            when a checkpoint is asked for, since most nodes never take one
 */
public record RuncShimSettings(String runtimePath, String conmonPath, boolean systemdCgroup,
                               String defaultCgroupParent, int execMaxOutput, long logSizeMax, String criuPath) {
    public static RuncShimSettings from(Config c) {
        long maxOut = c.getLong("exec_max_output");
        if (maxOut <= 0 || maxOut > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("exec_max_output must be between 1 and " + (Integer.MAX_VALUE - 8)
                    + ": " + maxOut);
        }
        return new RuncShimSettings(c.getString("runtime_path"), c.getString("conmon_path"),
                c.getBoolean("systemd_cgroup"), c.getString("default_cgroup_parent"), (int) maxOut,
                c.getLong("log_size_max"), c.getString("criu_path"));
    }
}
