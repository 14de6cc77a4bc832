package dev.berth.sandbox;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The plugin's configuration, {@code [plugins."io.berth.sandbox.controller.v1.podsandbox"]}.
 *
 * @param cniConfDir      where the network configuration lists are
 * @param cniBinDirs      where CNI plugin executables are searched, in order (also CNI_PATH)
 * @param cniTimeout      how long one CNI plugin run may take
 * @param shmSizeBytes    size of each pod's /dev/shm tmpfs
 * @param cniConfTemplate a conflist template rendered with the node's pod CIDRs into {@code cniConfDir}; null when
 *                        unset
 */
public record PodSandboxSettings(Path cniConfDir, List<Path> cniBinDirs, Duration cniTimeout, long shmSizeBytes,
                                 Path cniConfTemplate) {
    public PodSandboxSettings {
        cniBinDirs = List.copyOf(cniBinDirs);
    }

    /** Settings without a conflist template. */
    public PodSandboxSettings(Path cniConfDir, List<Path> cniBinDirs, Duration cniTimeout, long shmSizeBytes) {
        this(cniConfDir, cniBinDirs, cniTimeout, shmSizeBytes, null);
    }

    public static PodSandboxSettings from(Config c) {
        String template = c.getString("cni_conf_template");
        return new PodSandboxSettings(Path.of(c.getString("cni_conf_dir")),
                c.getStringList("cni_bin_dirs").stream().map(Path::of).toList(),
                c.getDuration("cni_plugin_timeout"), c.getBytes("shm_size"),
                template.isBlank() ? null : Path.of(template));
    }
}
