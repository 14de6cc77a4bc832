package dev.berth.cri.sandboxes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.DNSConfig;
import dev.berth.api.cri.v1.LinuxPodSandboxConfig;
import dev.berth.api.cri.v1.LinuxSandboxSecurityContext;
import dev.berth.api.cri.v1.NamespaceOption;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.api.cri.v1.PodSandboxMetadata;
import dev.berth.api.cri.v1.PodSandboxState;
import dev.berth.api.cri.v1.PodSandboxStateValue;
import dev.berth.api.cri.v1.PodSandboxStatus;
import dev.berth.api.cri.v1.Protocol;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.DnsConfig;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.NamespaceOptions;
import dev.berth.core.sandbox.PortMapping;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.sandbox.SandboxConfig;
import dev.berth.core.sandbox.SandboxSecurity;
import dev.berth.core.sandbox.SandboxState;
import dev.berth.core.sandbox.SandboxStatus;
import dev.berth.core.sandbox.UserNamespace;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxConversionTest {
    static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName(name)
                .setNamespace("default").setUid("uid-" + name).setAttempt(2));
    }

    @Test
    void everyFieldOfPodSandboxConfigReachesTheSpiConfig() {
        PodSandboxConfig cri = pod("web")
                .setHostname("web-0").setLogDirectory("/var/log/pods/web")
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addSearches("svc.cluster.local").addOptions("ndots:5"))
                .addPortMappings(dev.berth.api.cri.v1.PortMapping.newBuilder().setProtocol(Protocol.UDP)
                        .setContainerPort(53).setHostPort(5353).setHostIp("127.0.0.1"))
                .addPortMappings(dev.berth.api.cri.v1.PortMapping.newBuilder().setContainerPort(80))
                .putLabels("app", "web").putAnnotations("note", "x")
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/pod1").putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                                .setNetwork(dev.berth.api.cri.v1.NamespaceMode.NODE).setPid(dev.berth.api.cri.v1.NamespaceMode.POD)
                                .setIpc(dev.berth.api.cri.v1.NamespaceMode.NODE))
                                .setPrivileged(true)
                                .setRunAsUser(dev.berth.api.cri.v1.Int64Value.newBuilder().setValue(65535))
                                .setRunAsGroup(dev.berth.api.cri.v1.Int64Value.newBuilder().setValue(65534))
                                .setReadonlyRootfs(true)
                                .setSeccomp(dev.berth.api.cri.v1.SecurityProfile.newBuilder().setProfileType(
                                        dev.berth.api.cri.v1.SecurityProfile.ProfileType.Localhost).setLocalhostRef("/p.json"))
                                .setApparmor(dev.berth.api.cri.v1.SecurityProfile.newBuilder().setProfileType(
                                        dev.berth.api.cri.v1.SecurityProfile.ProfileType.RuntimeDefault))))
                .build();
        SandboxConfig c = SandboxConfigConversion.toSandboxConfig("abc", cri, "runc");
        assertThat(c).isEqualTo(SandboxConfig.builder("abc").metadata("web", "default", "uid-web", 2)
                .hostname("web-0").logDirectory("/var/log/pods/web")
                .dns(new DnsConfig(List.of("10.96.0.10"), List.of("svc.cluster.local"), List.of("ndots:5")))
                .portMapping(new PortMapping(PortMapping.Protocol.UDP, 53, 5353, "127.0.0.1"))
                .portMapping(new PortMapping(PortMapping.Protocol.TCP, 80, 0, ""))
                .label("app", "web").annotation("note", "x").cgroupParent("/kubepods/pod1")
                .sysctl("net.ipv4.ip_unprivileged_port_start", "0")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.POD, NamespaceMode.NODE, ""))
                .runtimeHandler("runc")
                .security(new SandboxSecurity(true, new SecurityProfile(SecurityProfile.Kind.LOCALHOST, "/p.json"),
                        new SecurityProfile(SecurityProfile.Kind.RUNTIME_DEFAULT, ""), 65535L, 65534L, true))
                .build());
    }

    private static PodSandboxConfig withUserns(dev.berth.api.cri.v1.NamespaceMode network,
                                               dev.berth.api.cri.v1.UserNamespace.Builder u) {
        return pod("p").setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext
                .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(network).setUsernsOptions(u))))
                .build();
    }

    private static dev.berth.api.cri.v1.IDMapping.Builder idMap(int inside, int host, int length) {
        return dev.berth.api.cri.v1.IDMapping.newBuilder().setContainerId(inside).setHostId(host).setLength(length);
    }

    @Test
    void aPodUserNamespaceCarriesItsMappings() {
        SandboxConfig c = SandboxConfigConversion.toSandboxConfig("a", withUserns(dev.berth.api.cri.v1.NamespaceMode.POD,
                dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(dev.berth.api.cri.v1.NamespaceMode.POD)
                        .addUids(idMap(0, 196608, 65536)).addGids(idMap(0, 196608, 65536)).addGids(idMap(65536, 500, 1))),
                "");
        UserNamespace u = c.namespaceOptions().userns();
        assertThat(u.uids()).containsExactly(new UserNamespace.IdMapping(0, 196608, 65536));
        assertThat(u.gids()).containsExactly(new UserNamespace.IdMapping(0, 196608, 65536),
                new UserNamespace.IdMapping(65536, 500, 1));
        assertThat(u.hostRootUid()).isEqualTo(196608);
        assertThat(UserNamespace.procMap(u.gids())).isEqualTo("0 196608 65536\n65536 500 1\n");
        // and back in PodSandboxStatus
        assertThat(SandboxStatusConversion.namespaceOption(c.namespaceOptions()).getUsernsOptions().getUidsList())
                .containsExactly(idMap(0, 196608, 65536).build());
    }

    @Test
    void badUserNamespacesAreRefusedNamingTheField() {
        dev.berth.api.cri.v1.NamespaceMode podMode = dev.berth.api.cri.v1.NamespaceMode.POD;
        Map<String, PodSandboxConfig> refused = Map.of(
                "userns_options.uids: mode POD needs at least one mapping",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(podMode)),
                "userns_options.gids[0].length must be at least 1",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(podMode)
                        .addUids(idMap(0, 1000, 10)).addGids(idMap(0, 1000, 0))),
                "userns_options.uids[1] overlaps entry 0",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(podMode)
                        .addUids(idMap(0, 1000, 10)).addUids(idMap(20, 1005, 10)).addGids(idMap(0, 1000, 10))),
                "userns_options.uids[0]: the range goes past the last id",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(podMode)
                        .addUids(idMap(0, -10, 100)).addGids(idMap(0, 1000, 10))),
                "userns_options: the uid and gid mappings must both map id 0",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder().setMode(podMode)
                        .addUids(idMap(1, 1000, 10)).addGids(idMap(0, 1000, 10))),
                "userns_options.mode CONTAINER",
                withUserns(podMode, dev.berth.api.cri.v1.UserNamespace.newBuilder()
                        .setMode(dev.berth.api.cri.v1.NamespaceMode.CONTAINER)),
                "cannot use the host's network, IPC or pid namespace",
                withUserns(dev.berth.api.cri.v1.NamespaceMode.NODE, dev.berth.api.cri.v1.UserNamespace.newBuilder()
                        .setMode(podMode).addUids(idMap(0, 1000, 10)).addGids(idMap(0, 1000, 10))));
        refused.forEach((message, cfg) -> assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", cfg, ""))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("config.linux.security_context.namespace_options").hasMessageContaining(message));
    }

    @Test
    void badProfilesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", pod("p").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setSeccomp(dev.berth.api.cri.v1.SecurityProfile
                        .newBuilder().setProfileType(dev.berth.api.cri.v1.SecurityProfile.ProfileType.Localhost)))).build(), ""))
                .hasMessageContaining("config.linux.security_context.seccomp.localhost_ref is required");
        assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", pod("p").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setApparmor(dev.berth.api.cri.v1.SecurityProfile
                        .newBuilder().setProfileTypeValue(9)))).build(), ""))
                .hasMessageContaining("config.linux.security_context.apparmor.profile_type 9");
        // NODE is today's behaviour and stays allowed
        SandboxConfigConversion.toSandboxConfig("a", pod("p").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
                        .setUsernsOptions(dev.berth.api.cri.v1.UserNamespace.newBuilder()
                                .setMode(dev.berth.api.cri.v1.NamespaceMode.NODE))))).build(), "");
    }

    @Test
    void aMinimalConfigGetsTheCriDefaults() {
        SandboxConfig c = SandboxConfigConversion.toSandboxConfig("abc", pod("p").build(), "runc");
        assertThat(c.namespaceOptions()).isEqualTo(NamespaceOptions.defaults());
        assertThat(c.dns().isEmpty()).isTrue();
        assertThat(c.portMappings()).isEmpty();
        assertThat(c.attempt()).isEqualTo(2);
    }

    @Test
    void badValuesAreInvalidArgumentNamingTheField() {
        assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", pod("p").addPortMappings(
                dev.berth.api.cri.v1.PortMapping.newBuilder().setContainerPort(0)).build(), "runc"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("config.port_mappings[0].container_port 0");
        assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", pod("p").addPortMappings(
                dev.berth.api.cri.v1.PortMapping.newBuilder().setContainerPort(80).setHostPort(70000)).build(), "runc"))
                .hasMessageContaining("config.port_mappings[0].host_port 70000");
        assertThatThrownBy(() -> SandboxConfigConversion.toSandboxConfig("a", pod("p").setLinux(LinuxPodSandboxConfig
                .newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                        .setSupplementalGroupsPolicyValue(7))).build(), "runc"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("config.linux.security_context.supplemental_groups_policy 7");
        assertThatThrownBy(() -> SandboxConfigConversion.namespaceOptions(NamespaceOption.newBuilder()
                .setNetwork(dev.berth.api.cri.v1.NamespaceMode.CONTAINER).build()))
                .hasMessageContaining("namespace_options.network must be POD or NODE");
        assertThatThrownBy(() -> SandboxConfigConversion.namespaceOptions(NamespaceOption.newBuilder()
                .setPid(dev.berth.api.cri.v1.NamespaceMode.TARGET).build()))
                .hasMessageContaining("namespace_options.target_id is required");
        assertThatThrownBy(() -> SandboxConfigConversion.portMapping(0, dev.berth.api.cri.v1.PortMapping.newBuilder()
                .setProtocolValue(7).setContainerPort(1).build())).hasMessageContaining("protocol 7");
    }

    static SandboxStatus status(String id, SandboxState state, String ip, Map<String, String> labels) {
        SandboxConfig c = SandboxConfig.builder(id).metadata("web", "ns", "u1", 1).runtimeHandler("runc")
                .annotation("a", "b").namespaceOptions(new NamespaceOptions(null, NamespaceMode.TARGET, null, "ctr1")).build();
        c = new SandboxConfig(c.id(), c.name(), c.namespace(), c.uid(), c.attempt(), c.hostname(), c.logDirectory(), c.dns(),
                c.portMappings(), labels, c.annotations(), c.namespaceOptions(), c.sysctls(), c.cgroupParent(), c.runtimeHandler(),
                c.security(), c.infra());
        return new SandboxStatus(id, state, Instant.ofEpochSecond(1_700_000_000L, 123), ip,
                ip.isEmpty() ? List.of() : List.of("fd00::2"), "/run/netns/" + id, "web", c,
                Map.of(SandboxStatus.INFO_CNI_RESULT, "{\"ips\":[]}", SandboxStatus.INFO_UTS_NS, "/run/utsns/" + id));
    }

    @Test
    void statusCarriesTheCriViewFromTheSpiConfig() {
        PodSandboxStatus s = SandboxStatusConversion.toPodSandboxStatus(status("id1", SandboxState.READY, "10.0.0.2", Map.of("app", "web")));
        assertThat(s.getId()).isEqualTo("id1");
        assertThat(s.getMetadata()).isEqualTo(PodSandboxMetadata.newBuilder().setName("web").setNamespace("ns").setUid("u1").setAttempt(1).build());
        assertThat(s.getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(s.getCreatedAt()).isEqualTo(1_700_000_000_000_000_123L);
        assertThat(s.getNetwork().getIp()).isEqualTo("10.0.0.2");
        assertThat(s.getNetwork().getAdditionalIpsList()).extracting(p -> p.getIp()).containsExactly("fd00::2");
        NamespaceOption ns = s.getLinux().getNamespaces().getOptions();
        assertThat(ns.getNetwork()).isEqualTo(dev.berth.api.cri.v1.NamespaceMode.POD);
        assertThat(ns.getPid()).isEqualTo(dev.berth.api.cri.v1.NamespaceMode.TARGET);
        assertThat(ns.getTargetId()).isEqualTo("ctr1");
        assertThat(s.getLabelsMap()).containsExactly(Map.entry("app", "web"));
        assertThat(s.getAnnotationsMap()).containsExactly(Map.entry("a", "b"));
        assertThat(s.getRuntimeHandler()).isEqualTo("runc");

        PodSandbox p = SandboxStatusConversion.toPodSandbox(status("id1", SandboxState.NOTREADY, "", Map.of()));
        assertThat(p.getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        assertThat(p.getMetadata().getName()).isEqualTo("web");
        assertThat(p.getRuntimeHandler()).isEqualTo("runc");
    }

    @Test
    void verboseInfoIsJsonWithTheCniResultAsAnObject() {
        String info = SandboxStatusConversion.verboseInfo(status("id1", SandboxState.READY, "10.0.0.2", Map.of()), "podsandbox");
        com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(info).getAsJsonObject();
        assertThat(o.get("sandboxer").getAsString()).isEqualTo("podsandbox");
        assertThat(o.get("cniResult").isJsonObject()).isTrue();
        assertThat(o.get("utsns").getAsString()).isEqualTo("/run/utsns/id1");
        assertThat(o.getAsJsonObject("config").get("name").getAsString()).isEqualTo("web");
        assertThat(o.get("netNamespacePath").getAsString()).isEqualTo("/run/netns/id1");
    }

    @Test
    void filterMatchesIdPrefixStateAndAllLabels() {
        SandboxStatus ready = status("abc123", SandboxState.READY, "10.0.0.2", Map.of("app", "web", "tier", "front"));
        SandboxFilter none = new SandboxFilter(PodSandboxFilter.getDefaultInstance());
        assertThat(none.test(ready)).isTrue();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().setId("abc").build()).test(ready)).isTrue();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().setId("abd").build()).test(ready)).isFalse();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_NOTREADY)).build()).test(ready)).isFalse();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().setState(PodSandboxStateValue.newBuilder()
                .setState(PodSandboxState.SANDBOX_READY)).build()).test(ready)).isTrue();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().putLabelSelector("app", "web").build()).test(ready)).isTrue();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().putLabelSelector("app", "web")
                .putLabelSelector("tier", "back").build()).test(ready)).isFalse();
        assertThat(new SandboxFilter(PodSandboxFilter.newBuilder().putLabelSelector("zone", "").build()).test(ready)).isFalse();
    }
}
