package dev.berth.cri.sandboxes;

import dev.berth.api.cri.v1.DNSConfig;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.SupplementalGroupsPolicy;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.sandbox.DnsConfig;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.PortMapping;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxSecurity;
import dev.berth.core.sandbox.UserNamespace;
import dev.berth.cri.SecurityProfiles;
import java.util.ArrayList;
import java.util.List;

/** CRI {@code PodSandboxConfig} → SPI {@link SandboxConfig}; bad values are INVALID_ARGUMENT naming the field. */
public final class SandboxConfigConversion {
    private SandboxConfigConversion() {
    }

    public static SandboxConfig toSandboxConfig(String id, PodSandboxConfig c, String runtimeHandler) {
        PodSandboxMetadata m = c.getMetadata();
        SandboxConfig.Builder b = SandboxConfig.builder(id)
                .metadata(m.getName(), m.getNamespace(), m.getUid(), attempt(m.getAttempt()))
                .hostname(c.getHostname())
                .logDirectory(c.getLogDirectory())
                .runtimeHandler(runtimeHandler);
        if (c.hasDnsConfig()) {
            DNSConfig d = c.getDnsConfig();
            b.dns(new DnsConfig(d.getServersList(), d.getSearchesList(), d.getOptionsList()));
        }
        for (int i = 0; i < c.getPortMappingsCount(); i++) {
            b.portMapping(portMapping(i, c.getPortMappings(i)));
        }
        c.getLabelsMap().forEach(b::label);
        c.getAnnotationsMap().forEach(b::annotation);
        if (c.hasLinux()) {
            LinuxPodSandboxConfig l = c.getLinux();
            b.cgroupParent(l.getCgroupParent());
            l.getSysctlsMap().forEach(b::sysctl);
            if (l.hasSecurityContext()) {
                LinuxSandboxSecurityContext sc = l.getSecurityContext();
                if (sc.hasNamespaceOptions()) {
                    b.namespaceOptions(namespaceOptions(sc.getNamespaceOptions()));
                }
                b.security(security(sc));
            }
            // no process of the pod's own runs user code, so the policy only matters per container; still no garbage
            if (l.getSecurityContext().getSupplementalGroupsPolicy() == SupplementalGroupsPolicy.UNRECOGNIZED) {
                throw BerthException.invalidArgument("config.linux.security_context.supplemental_groups_policy %d is not"
                        + " Merge (0) or Strict (1)", l.getSecurityContext().getSupplementalGroupsPolicyValue());
            }
        }
        return b.build();
    }

    private static SandboxSecurity security(LinuxSandboxSecurityContext sc) {
        String field = "config.linux.security_context";
        return new SandboxSecurity(sc.getPrivileged(),
                SecurityProfiles.of(sc.hasSeccomp() ? sc.getSeccomp() : null, field + ".seccomp", "", ""),
                SecurityProfiles.of(sc.hasApparmor() ? sc.getApparmor() : null, field + ".apparmor", "", ""),
                sc.hasRunAsUser() ? sc.getRunAsUser().getValue() : null,
                sc.hasRunAsGroup() ? sc.getRunAsGroup().getValue() : null, sc.getReadonlyRootfs());
    }

    private static int attempt(int unsigned) {
        if (unsigned < 0) {
            throw BerthException.invalidArgument("config.metadata.attempt %s is out of range", Integer.toUnsignedString(unsigned));
        }
        return unsigned;
    }

    static PortMapping portMapping(int index, dev.berth.api.cri.v1.PortMapping p) {
        String field = "config.port_mappings[" + index + "]";
        PortMapping.Protocol protocol = switch (p.getProtocol()) {
            case TCP -> PortMapping.Protocol.TCP;
            case UDP -> PortMapping.Protocol.UDP;
            case SCTP -> PortMapping.Protocol.SCTP;
            case UNRECOGNIZED -> throw BerthException.invalidArgument("%s.protocol %d is not TCP, UDP or SCTP", field,
                    p.getProtocolValue());
        };
        if (p.getContainerPort() < 1 || p.getContainerPort() > 65535) {
            throw BerthException.invalidArgument("%s.container_port %d is not a port (1-65535)", field, p.getContainerPort());
        }
        if (p.getHostPort() < 0 || p.getHostPort() > 65535) {
            throw BerthException.invalidArgument("%s.host_port %d is not a port (0-65535)", field, p.getHostPort());
        }
        return new PortMapping(protocol, p.getContainerPort(), p.getHostPort(), p.getHostIp());
    }

    static NamespaceOptions namespaceOptions(NamespaceOption o) {
        String field = "config.linux.security_context.namespace_options";
        NamespaceMode network = mode(field + ".network", o.getNetwork(), o.getNetworkValue());
        NamespaceMode pid = mode(field + ".pid", o.getPid(), o.getPidValue());
        NamespaceMode ipc = mode(field + ".ipc", o.getIpc(), o.getIpcValue());
        // A pod's network and IPC are the pod's or the node's; only pid can be per container or another's.
        if (network == NamespaceMode.CONTAINER || network == NamespaceMode.TARGET) {
            throw BerthException.invalidArgument("%s.network must be POD or NODE, got %s", field, network);
        }
        if (ipc == NamespaceMode.CONTAINER || ipc == NamespaceMode.TARGET) {
            throw BerthException.invalidArgument("%s.ipc must be POD or NODE, got %s", field, ipc);
        }
        if (pid == NamespaceMode.TARGET && o.getTargetId().isEmpty()) {
            throw BerthException.invalidArgument("%s.target_id is required when pid is TARGET", field);
        }
        NamespaceOptions options = new NamespaceOptions(network, pid, ipc, o.getTargetId(), userNamespace(o, field));
        options.checkUserNamespace(field);
        return options;
    }

    /**
     * The user namespace {@code o.userns_options} asks for: null for the host's (NODE, or not set), the pod's own
     * mappings for POD. The mappings are checked here so that the error names the field, not the kernel's EINVAL.
     */
    public static UserNamespace userNamespace(NamespaceOption o, String field) {
        if (!o.hasUsernsOptions()) {
            return null;
        }
        dev.berth.api.cri.v1.UserNamespace u = o.getUsernsOptions();
        String f = field + ".userns_options";
        return switch (u.getMode()) {
            case NODE -> null; // the mappings are only read for POD
            case POD -> new UserNamespace(idMappings(f + ".uids", u.getUidsList()),
                    idMappings(f + ".gids", u.getGidsList()));
            default -> throw BerthException.invalidArgument("%s.mode %s: a user namespace is the pod's (POD) or the "
                    + "node's (NODE)", f, u.getMode());
        };
    }

    private static List<UserNamespace.IdMapping> idMappings(String field, List<dev.berth.api.cri.v1.IDMapping> ms) {
        if (ms.isEmpty()) {
            throw BerthException.invalidArgument("%s: mode POD needs at least one mapping", field);
        }
        if (ms.size() > UserNamespace.MAX_MAPPINGS) {
            throw BerthException.invalidArgument("%s: %d mappings, the kernel takes at most %d", field, ms.size(),
                    UserNamespace.MAX_MAPPINGS);
        }
        List<UserNamespace.IdMapping> out = new ArrayList<>(ms.size());
        for (int i = 0; i < ms.size(); i++) {
            dev.berth.api.cri.v1.IDMapping m = ms.get(i);
            long inside = Integer.toUnsignedLong(m.getContainerId());
            long host = Integer.toUnsignedLong(m.getHostId());
            long length = Integer.toUnsignedLong(m.getLength());
            if (length == 0) {
                throw BerthException.invalidArgument("%s[%d].length must be at least 1", field, i);
            }
            if (inside + length > 0xFFFFFFFFL || host + length > 0xFFFFFFFFL) {
                throw BerthException.invalidArgument("%s[%d]: the range goes past the last id (4294967294)", field, i);
            }
            for (int j = 0; j < out.size(); j++) {
                UserNamespace.IdMapping o = out.get(j);
                if (overlap(inside, o.containerId(), length, o.length()) || overlap(host, o.hostId(), length, o.length())) {
                    throw BerthException.invalidArgument("%s[%d] overlaps entry %d", field, i, j);
                }
            }
            out.add(new UserNamespace.IdMapping(inside, host, length));
        }
        return out;
    }

    private static boolean overlap(long a, long b, long lengthA, long lengthB) {
        return a < b + lengthB && b < a + lengthA;
    }

    private static NamespaceMode mode(String field, dev.berth.api.cri.v1.NamespaceMode m, int raw) {
        return switch (m) {
            case POD -> NamespaceMode.POD;
            case CONTAINER -> NamespaceMode.CONTAINER;
            case NODE -> NamespaceMode.NODE;
            case TARGET -> NamespaceMode.TARGET;
            case UNRECOGNIZED -> throw BerthException.invalidArgument("%s: unknown namespace mode %d", field, raw);
        };
    }
}
