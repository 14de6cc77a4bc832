package dev.berth.core.runtime;

import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.UserNamespace;
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
 * @param usernsPath     the pod's pinned user namespace, which the container joins; "" for the host's
 * @param userns         that namespace's id mappings (the container's files are seen through them); null with ""
 */
public record PodContext(String sandboxId, String netnsPath, String ipcnsPath, String utsnsPath, String pidnsPath,
                         boolean hostNetwork, boolean hostIpc, NamespaceMode pidMode, String pidTargetId,
                         String hostname, String hostnameFile, String hostsFile, String resolvConf, String shmPath,
                         String cgroupParent, Map<String, String> sysctls, String usernsPath, UserNamespace userns) {
    /** A context in the host's user namespace. */
    public PodContext(String sandboxId, String netnsPath, String ipcnsPath, String utsnsPath, String pidnsPath,
                      boolean hostNetwork, boolean hostIpc, NamespaceMode pidMode, String pidTargetId,
                      String hostname, String hostnameFile, String hostsFile, String resolvConf, String shmPath,
                      String cgroupParent, Map<String, String> sysctls) {
        this(sandboxId, netnsPath, ipcnsPath, utsnsPath, pidnsPath, hostNetwork, hostIpc, pidMode, pidTargetId, hostname,
                hostnameFile, hostsFile, resolvConf, shmPath, cgroupParent, sysctls, "", null);
    }

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
        usernsPath = nz(usernsPath);
        userns = usernsPath.isEmpty() ? null : userns;
    }

    /** This context in the pod's user namespace pinned at {@code path}, with mappings {@code ids}. */
    public PodContext inUserNamespace(String path, UserNamespace ids) {
        return new PodContext(sandboxId, netnsPath, ipcnsPath, utsnsPath, pidnsPath, hostNetwork, hostIpc, pidMode,
                pidTargetId, hostname, hostnameFile, hostsFile, resolvConf, shmPath, cgroupParent, sysctls, path, ids);
    }

    /** Whether the container runs in the pod's own user namespace. */
    public boolean ownUserNamespace() {
        return userns != null;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
