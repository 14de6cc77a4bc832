package dev.berth.core.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxConfigTest {
    @Test
    void nullsBecomeEmptyValuesAndCriDefaults() {
        SandboxConfig c = new SandboxConfig("id1", null, null, null, 0, null, null, null, null, null, null, null,
                null, null, null, null, null);
        assertThat(c.infra()).isNull();
        assertThat(c.name()).isEmpty();
        assertThat(c.security().privileged()).isFalse();
        assertThat(c.security().seccomp().kind()).isEqualTo(dev.berth.core.runtime.SecurityProfile.Kind.UNCONFINED);
        assertThat(c.portMappings()).isEmpty();
        assertThat(c.labels()).isEmpty();
        assertThat(c.dns().isEmpty()).isTrue();
        assertThat(c.namespaceOptions().network()).isEqualTo(NamespaceMode.POD);
        assertThat(c.namespaceOptions().pid()).isEqualTo(NamespaceMode.CONTAINER);
        assertThat(c.namespaceOptions().ipc()).isEqualTo(NamespaceMode.POD);
    }

    @Test
    void builderFillsEveryField() {
        SandboxConfig c = SandboxConfig.builder("id2").metadata("web", "default", "u-1", 2).hostname("web-0")
                .dns(new DnsConfig(List.of("10.0.0.10"), List.of("svc.local"), List.of("ndots:5")))
                .portMapping(new PortMapping(PortMapping.Protocol.UDP, 53, 5353, "127.0.0.1"))
                .label("app", "web").annotation("a", "b").sysctl("net.ipv4.ip_forward", "1")
                .namespaceOptions(new NamespaceOptions(NamespaceMode.NODE, NamespaceMode.POD, null, null))
                .cgroupParent("/kubepods").runtimeHandler("runc").logDirectory("/var/log/pods/x").build();
        assertThat(c.attempt()).isEqualTo(2);
        assertThat(c.portMappings()).singleElement().extracting(PortMapping::hostPort).isEqualTo(5353);
        assertThat(c.namespaceOptions().hostNetwork()).isTrue();
        assertThat(c.namespaceOptions().hostIpc()).isFalse();
        assertThat(c.labels()).containsEntry("app", "web");
        assertThat(c.dns().options()).containsExactly("ndots:5");
    }
}
