package dev.berth.core.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a controller needs to make a pod sandbox: the CRI's {@code PodSandboxConfig} without proto types.
 * Nulls become empty values, so a record read back from storage or built by hand is always complete.
 *
 * @param id             the sandbox id the caller chose (unique; a directory and namespace file name)
 * @param name           pod name ({@code metadata.name})
 * @param namespace      pod namespace ({@code metadata.namespace})
 * @param uid            pod uid ({@code metadata.uid})
 * @param attempt        how many times this pod's sandbox was created before
 * @param hostname       the pod's hostname; "" means the pod name (or the host's name with host network)
 * @param logDirectory   where container logs of this pod go
 * @param dns            resolver settings; empty means the host's
 * @param portMappings   host ports to forward to the pod
 * @param sysctls        sysctls for the pod's namespaces
 * @param cgroupParent   the pod's cgroup parent, or ""
 * @param runtimeHandler the CRI runtime handler the pod was created for, or "" for the default
 * @param security       privileged flag and the sandbox's own seccomp/AppArmor profiles
 * @param infra          the infra container to run from the sandbox image, or null for none (namespaces held without
 *                       a process of the image's)
 */
public record SandboxConfig(String id, String name, String namespace, String uid, int attempt, String hostname,
                            String logDirectory, DnsConfig dns, List<PortMapping> portMappings,
                            Map<String, String> labels, Map<String, String> annotations,
                            NamespaceOptions namespaceOptions, Map<String, String> sysctls, String cgroupParent,
                            String runtimeHandler, SandboxSecurity security, InfraContainer infra) {
    public SandboxConfig {
        id = nz(id);
        name = nz(name);
        namespace = nz(namespace);
        uid = nz(uid);
        hostname = nz(hostname);
        logDirectory = nz(logDirectory);
        dns = dns == null ? DnsConfig.none() : dns;
        portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        namespaceOptions = namespaceOptions == null ? NamespaceOptions.defaults() : namespaceOptions;
        sysctls = sysctls == null ? Map.of() : Map.copyOf(sysctls);
        cgroupParent = nz(cgroupParent);
        runtimeHandler = nz(runtimeHandler);
        security = security == null ? SandboxSecurity.defaults() : security;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** This config with {@code v} as its infra container. */
    public SandboxConfig withInfra(InfraContainer v) {
        return new SandboxConfig(id, name, namespace, uid, attempt, hostname, logDirectory, dns, portMappings, labels,
                annotations, namespaceOptions, sysctls, cgroupParent, runtimeHandler, security, v);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Builds a {@link SandboxConfig}; unset fields are empty. */
    public static final class Builder {
        private final String id;
        private String name;
        private String namespace;
        private String uid;
        private int attempt;
        private String hostname;
        private String logDirectory;
        private DnsConfig dns;
        private final List<PortMapping> portMappings = new ArrayList<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private final Map<String, String> annotations = new LinkedHashMap<>();
        private NamespaceOptions namespaceOptions;
        private final Map<String, String> sysctls = new LinkedHashMap<>();
        private String cgroupParent;
        private String runtimeHandler;
        private SandboxSecurity security;
        private InfraContainer infra;

        private Builder(String id) {
            this.id = id;
        }

        /** Pod metadata: name, namespace, uid, attempt. */
        public Builder metadata(String name, String namespace, String uid, int attempt) {
            this.name = name;
            this.namespace = namespace;
            this.uid = uid;
            this.attempt = attempt;
            return this;
        }

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder logDirectory(String v) {
            logDirectory = v;
            return this;
        }

        public Builder dns(DnsConfig v) {
            dns = v;
            return this;
        }

        public Builder portMapping(PortMapping v) {
            portMappings.add(v);
            return this;
        }

        public Builder label(String k, String v) {
            labels.put(k, v);
            return this;
        }

        public Builder annotation(String k, String v) {
            annotations.put(k, v);
            return this;
        }

        public Builder namespaceOptions(NamespaceOptions v) {
            namespaceOptions = v;
            return this;
        }

        public Builder sysctl(String k, String v) {
            sysctls.put(k, v);
            return this;
        }

        public Builder cgroupParent(String v) {
            cgroupParent = v;
            return this;
        }

        public Builder runtimeHandler(String v) {
            runtimeHandler = v;
            return this;
        }

        public Builder security(SandboxSecurity v) {
            security = v;
            return this;
        }

        public Builder infra(InfraContainer v) {
            infra = v;
            return this;
        }

        public SandboxConfig build() {
            return new SandboxConfig(id, name, namespace, uid, attempt, hostname, logDirectory, dns, portMappings,
                    labels, annotations, namespaceOptions, sysctls, cgroupParent, runtimeHandler, security, infra);
        }
    }
}
