package dev.berth.shim.runc.spec;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.core.runtime.ContainerMount;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.DeviceMapping;
import dev.berth.core.runtime.ImageProcess;
import dev.berth.core.runtime.PodContext;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.runtime.SecurityOptions.GroupsPolicy;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.sandbox.NamespaceMode;
import dev.berth.core.sandbox.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A mutable container description for tests: set what a test cares about, build a spec from the rest. */
final class SpecFixture {
    static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            app:x:1000:1000:App:/home/app:/bin/sh
            web:x:1001:1001::/home/web:/bin/sh
            """;
    static final String GROUP = """
            root:x:0:
            daemon:x:1:
            tty:x:5:app
            app:x:1000:
            web:x:1001:
            audio:x:29:app,web
            staff:x:50:
            """;

    // container
    String id = "c1";
    String name = "main";
    ImageProcess image = new ImageProcess(List.of("/bin/server"), List.of("--port", "80"), List.of("A=1"), "", "",
            "");
    List<String> command = List.of();
    List<String> args = List.of();
    List<String> env = List.of();
    String workingDir = "";
    boolean tty;
    List<ContainerMount> mounts = new ArrayList<>();
    List<DeviceMapping> devices = new ArrayList<>();
    Resources resources = Resources.none();
    Map<String, String> annotations = Map.of();
    // security
    boolean privileged;
    Long runAsUser;
    String runAsUsername = "";
    Long runAsGroup;
    List<Long> supplementalGroups = List.of();
    GroupsPolicy groupsPolicy = GroupsPolicy.MERGE;
    List<String> capAdd = List.of();
    List<String> capDrop = List.of();
    boolean readonlyRootfs;
    SecurityProfile seccomp = SecurityProfile.unconfined();
    SecurityProfile apparmor = SecurityProfile.unconfined();
    // pod
    String netnsPath = "/var/run/netns/pod1";
    String ipcnsPath = "/proc/42/ns/ipc";
    String utsnsPath = "/proc/42/ns/uts";
    String pidnsPath = "";
    boolean hostNetwork;
    boolean hostIpc;
    NamespaceMode pidMode = NamespaceMode.CONTAINER;
    String pidTargetId = "";
    String hostname = "pod-host";
    String hostnameFile = "";
    String hostsFile = "";
    String resolvConf = "";
    String shmPath = "";
    String cgroupParent = "";
    Map<String, String> sysctls = Map.of();
    String usernsPath = "";
    UserNamespace userns;
    // host
    SpecDefaults defaults = new SpecDefaults(false, false, -1000, "/berth");
    HostKernel kernel = new HostKernel(false, 40);
    Function<String, Long> pidOfContainer = id -> null;

    SecurityOptions security() {
        return new SecurityOptions(privileged, runAsUser, runAsUsername, runAsGroup, supplementalGroups,
                groupsPolicy, capAdd, capDrop, false, readonlyRootfs, seccomp, apparmor, List.of(), List.of());
    }

    PodContext pod() {
        return new PodContext("sb1", netnsPath, ipcnsPath, utsnsPath, pidnsPath, hostNetwork, hostIpc, pidMode,
                pidTargetId, hostname, hostnameFile, hostsFile, resolvConf, shmPath, cgroupParent, sysctls, usernsPath,
                userns);
    }

    ContainerSpec spec() {
        return new ContainerSpec(id, name, pod(), List.of(), image, command, args, env, workingDir, tty, false,
                false, "", mounts, devices, resources, security(), Map.of(), annotations, "");
    }

    OciSpecBuilder builder() {
        return new OciSpecBuilder(defaults, kernel);
    }

    /** Builds the spec over {@code rootfs} and parses the JSON back. */
    JsonObject build(Path rootfs) {
        return JsonParser.parseString(builder().build(spec(), rootfs, pidOfContainer)).getAsJsonObject();
    }

    /** A rootfs with the fixture's /etc/passwd and /etc/group. */
    static Path rootfs(Path dir) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), PASSWD);
        Files.writeString(rootfs.resolve("etc/group"), GROUP);
        return rootfs;
    }

    static List<String> strings(JsonArray array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    static List<Long> longs(JsonArray array) {
        List<Long> out = new ArrayList<>();
        array.forEach(e -> out.add(e.getAsLong()));
        return out;
    }
}
