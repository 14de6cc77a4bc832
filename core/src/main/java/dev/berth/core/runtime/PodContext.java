package dev.berth.core.runtime;

import dev.berth.core.sandbox.NamespaceMode;
import java.util.Map;

/**
 * What a container takes from its pod sandbox: the namespaces it joins and the files it is given. Paths come from
 * the sandbox controller's {@link dev.berth.core.sandbox.SandboxStatus}; "" means "none" (for a namespace path: the
 * host's namespace when the matching {@code host*} flag is set, else a new one per container).
 *
 * @param pidMode        {@link NamespaceMode#POD} joins {@code pidnsPath}; {@link NamespaceMode#TARGET} joins the pid
 *                       namespace of container {@code pidTargetId}; {@link NamespaceMode#NODE} the host's
 * @param hostnameFile   bound at /etc/hostname; likewise {@code hostsFile}, {@code resolvConf} and {@code shmPath}
 *                       (at /dev/shm); "" leaves the image's file
 * @param cgroupParent   the pod's cgroup parent (cgroupfs path or systemd slice), or "" for the shim's default
 * @param sysctls        the pod's sysctls, applied in every container's namespaces
 */
public record PodContext(String sandboxId, String netnsPath, String ipcnsPath, String utsnsPath, String pidnsPath,
                         boolean hostNetwork, boolean hostIpc, NamespaceMode pidMode, String pidTargetId,
                         String hostname, String hostnameFile, String hostsFile, String resolvConf, String shmPath,
                         String cgroupParent, Map<String, String> sysctls) {
    public PodContext {
        netnsPath = nz(netnsPath);
        ipcnsPath = nz(ipcnsPath);
        utsnsPath = nz(utsnsPath);
        pidnsPath = nz(pidnsPath);
        pidMode = pidMode == null ? NamespaceMode.CONTAINER : pidMode;
        pidTargetId = nz(pidTargetId);
        hostname = nz(hostname);
        hostnameFile = nz(hostnameFile);
        hostsFile = nz(hostsFile);
        resolvConf = nz(resolvConf);
        shmPath = nz(shmPath);
        cgroupParent = nz(cgroupParent);
        sysctls = sysctls == null ? Map.of() : Map.copyOf(sysctls);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
