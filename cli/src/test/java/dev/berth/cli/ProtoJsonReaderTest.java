package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.PodSandboxConfig;
import dev.berth.api.cri.v1.Protocol;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtoJsonReaderTest {
    @Test
    void readsCrictlStylePodConfigWithProtoFieldNames() {
        PodSandboxConfig p = ProtoJsonReader.read("""
                {
                  "metadata": {"name": "web", "namespace": "default", "uid": "u1", "attempt": 2},
                  "hostname": "web-0",
                  "log_directory": "/var/log/pods/web",
                  "labels": {"app": "web", "tier": "front"},
                  "annotations": {"note": "x"},
                  "port_mappings": [{"protocol": "UDP", "container_port": 53, "host_port": 5353}],
                  "dns_config": {"servers": ["10.0.0.10"], "searches": ["svc.local"]},
                  "linux": {
                    "cgroup_parent": "/berth-test",
                    "sysctls": {"net.ipv4.ip_forward": "1"},
                    "security_context": {"namespace_options": {"network": "NODE", "pid": 1}}
                  }
                }""", PodSandboxConfig.getDefaultInstance());
        assertThat(p.getMetadata().getName()).isEqualTo("web");
        assertThat(p.getMetadata().getAttempt()).isEqualTo(2);
        assertThat(p.getLogDirectory()).isEqualTo("/var/log/pods/web");
        assertThat(p.getLabelsMap()).containsEntry("app", "web").containsEntry("tier", "front");
        assertThat(p.getPortMappings(0).getProtocol()).isEqualTo(Protocol.UDP);
        assertThat(p.getPortMappings(0).getHostPort()).isEqualTo(5353);
        assertThat(p.getDnsConfig().getServersList()).containsExactly("10.0.0.10");
        assertThat(p.getLinux().getCgroupParent()).isEqualTo("/berth-test");
        assertThat(p.getLinux().getSysctlsMap()).containsEntry("net.ipv4.ip_forward", "1");
        assertThat(p.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
        assertThat(p.getLinux().getSecurityContext().getNamespaceOptions().getPid()).isEqualTo(NamespaceMode.CONTAINER);
    }

    @Test
    void readsLowerCamelJsonNamesAndTheProto3Encodings() {
        ContainerConfig c = ProtoJsonReader.read("""
                {
                  "metadata": {"name": "app"},
                  "image": {"image": "busybox:1"},
                  "command": ["sh", "-c"], "args": ["echo hi"],
                  "workingDir": "/tmp",
                  "envs": [{"key": "A", "value": "aGk="}],
                  "logPath": "app/0.log",
                  "stdin": true, "tty": "false",
                  "linux": {"resources": {"memoryLimitInBytes": "100663296", "cpuShares": 512, "oomScoreAdj": -5},
                            "securityContext": {"runAsUser": {"value": 1000}, "readonlyRootfs": true,
                                                "supplementalGroups": [10, "20"]}},
                  "annotations": null
                }""", ContainerConfig.getDefaultInstance());
        assertThat(c.getCommandList()).containsExactly("sh", "-c");
        assertThat(c.getArgsList()).containsExactly("echo hi");
        assertThat(c.getWorkingDir()).isEqualTo("/tmp");
        assertThat(c.getEnvs(0).getValue()).isEqualTo(ByteString.copyFromUtf8("hi")); // bytes: base64, as in the CRI's proto
        assertThat(c.getLogPath()).isEqualTo("app/0.log");
        assertThat(c.getStdin()).isTrue();
        assertThat(c.getTty()).isFalse();
        assertThat(c.getLinux().getResources().getMemoryLimitInBytes()).isEqualTo(96L << 20);
        assertThat(c.getLinux().getResources().getCpuShares()).isEqualTo(512);
        assertThat(c.getLinux().getResources().getOomScoreAdj()).isEqualTo(-5);
        assertThat(c.getLinux().getSecurityContext().getRunAsUser().getValue()).isEqualTo(1000);
        assertThat(c.getLinux().getSecurityContext().getReadonlyRootfs()).isTrue();
        assertThat(c.getLinux().getSecurityContext().getSupplementalGroupsList()).containsExactly(10L, 20L);
        assertThat(c.getAnnotationsMap()).isEmpty();
    }

    @Test
    void roundTripsWhatProtoJsonWrites() {
        PodSandboxConfig p = PodSandboxConfig.newBuilder().setHostname("h").putLabels("k", "v")
                .setLinux(PodSandboxConfig.getDefaultInstance().getLinux().toBuilder().setCgroupParent("/x")).build();
        assertThat(ProtoJsonReader.read(ProtoJson.write(p), PodSandboxConfig.getDefaultInstance())).isEqualTo(p);
    }

    @Test
    void errorsSayWhere() {
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"metadata\": {\"nmae\": \"x\"}}", PodSandboxConfig.getDefaultInstance()))
                .isInstanceOf(ProtoJsonReader.BadJson.class)
                .hasMessageContaining("$.metadata.nmae").hasMessageContaining("runtime.v1.PodSandboxMetadata");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"metadata\": {\"attempt\": \"two\"}}", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("$.metadata.attempt").hasMessageContaining("integer");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"metadata\": {\"attempt\": 1.5}}", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("$.metadata.attempt");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"metadata\": {\"attempt\": 4294967296}}", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"linux\": {\"security_context\": {\"namespace_options\": {\"network\": \"HOST\"}}}}",
                PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("$.linux.security_context.namespace_options.network").hasMessageContaining("NODE");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"port_mappings\": {}}", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("$.port_mappings: expected an array");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"labels\": {\"a\": 1}}", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("$.labels[\"a\"]").hasMessageContaining("string");
        assertThatThrownBy(() -> ProtoJsonReader.read("{\"metadata\": ", PodSandboxConfig.getDefaultInstance()))
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> ProtoJsonReader.read("[]", PodSandboxConfig.getDefaultInstance()))
                .hasMessageContaining("expected an object for runtime.v1.PodSandboxConfig");
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pod.json");
        Files.writeString(f, "{\"hostnam\": \"x\"}");
        assertThatThrownBy(() -> ProtoJsonReader.readFile(f, PodSandboxConfig.getDefaultInstance()))
                .hasMessageStartingWith(f + ": $.hostnam");
    }
}
