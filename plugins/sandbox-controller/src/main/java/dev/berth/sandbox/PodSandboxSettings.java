package dev.berth.sandbox;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The plugin's configuration, {@code [plugins."io.berth.sandbox.controller.v1.podsandbox"]}.
 *
 * @param cniConfDir    where the network configuration lists are
 * @param cniBinDirs    where CNI plugin executables are searched, in order (also CNI_PATH)
 * @param cniTimeout    how long one CNI plugin run may take
 * @param shmSizeBytes  size of each pod's /dev/shm tmpfs
 */
public record PodSandboxSettings(Path cniConfDir, List<Path> cniBinDirs, Duration cniTimeout, long shmSizeBytes) {
    public PodSandboxSettings {
        cniBinDirs = List.copyOf(cniBinDirs);
    }

    public static PodSandboxSettings from(Config c) {
        return new PodSandboxSettings(Path.of(c.getString("cni_conf_dir")),
                c.getStringList("cni_bin_dirs").stream().map(Path::of).toList(),
                c.getDuration("cni_plugin_timeout"), c.getBytes("shm_size"));
    }
}
