package dev.berth.core.sandbox;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A sandbox as its controller sees it now.
 *
 * @param ip            the primary pod IP (IPv4 first when there is one), or "" (host network, not started, stopped)
 * @param additionalIps the pod's other IPs
 * @param netnsPath     the pinned network namespace, or "" when there is none
 * @param hostname      the pod's hostname
 * @param info          controller details, see the {@code INFO_*} keys; with {@code verbose}, more (e.g. the CNI result)
 */
public record SandboxStatus(String id, SandboxState state, Instant createdAt, String ip, List<String> additionalIps,
                            String netnsPath, String hostname, SandboxConfig config, Map<String, String> info) {
    /** Path of the pinned UTS namespace, when the pod has its own. */
    public static final String INFO_UTS_NS = "utsns";
    /** Path of the pinned user namespace, when the pod has its own ({@link NamespaceOptions#userns()}). */
    public static final String INFO_USER_NS = "userns";
    /** Path of the pinned IPC namespace, when the pod has its own. */
    public static final String INFO_IPC_NS = "ipcns";
    /**
     * Path of the pod's shared pid namespace, {@code /proc/<pid>/ns/pid} of its infra process: present only when
     * the pod shares one ({@link NamespaceMode#POD} pid) and that process is alive.
     */
    public static final String INFO_PID_NS = "pidns";
    /** Directory mounted as the containers' {@code /dev/shm}, when the pod has its own. */
    public static final String INFO_SHM = "shm";
    /** Files to bind into containers as {@code /etc/hostname}, {@code /etc/hosts}, {@code /etc/resolv.conf}. */
    public static final String INFO_HOSTNAME_FILE = "hostnameFile";
    public static final String INFO_HOSTS_FILE = "hostsFile";
    public static final String INFO_RESOLV_CONF = "resolvConf";
    /** The CNI result JSON (verbose only). */
    public static final String INFO_CNI_RESULT = "cniResult";

    public SandboxStatus {
        ip = ip == null ? "" : ip;
        additionalIps = additionalIps == null ? List.of() : List.copyOf(additionalIps);
        netnsPath = netnsPath == null ? "" : netnsPath;
        hostname = hostname == null ? "" : hostname;
        info = info == null ? Map.of() : Map.copyOf(info);
    }
}
