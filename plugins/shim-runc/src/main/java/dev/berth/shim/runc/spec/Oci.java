package dev.berth.shim.runc.spec;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * The part of the OCI runtime-spec (config.json) Berth writes, as records Gson serialises field by field. A null
 * component is left out of the JSON, which is how the spec says "not set".
 */
final class Oci {
    static final String VERSION = "1.0.2-dev";

    private Oci() {
    }

    record Spec(String ociVersion, Process process, Root root, String hostname, List<Mount> mounts, Linux linux,
                Map<String, String> annotations) {
    }

    record Process(boolean terminal, User user, List<String> args, List<String> env, String cwd,
                   Capabilities capabilities, List<Rlimit> rlimits, boolean noNewPrivileges, String apparmorProfile,
                   Integer oomScoreAdj) {
    }

    record User(long uid, long gid, List<Long> additionalGids) {
    }

    record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable,
                        List<String> permitted, List<String> ambient) {
    }

    record Rlimit(String type, long hard, long soft) {
    }

    record Root(String path, boolean readonly) {
    }

    record Mount(String destination, String type, String source, List<String> options) {
    }

    record Linux(Map<String, String> sysctl, Resources resources, String cgroupsPath, List<Namespace> namespaces,
                 List<Device> devices, JsonObject seccomp, List<String> maskedPaths, List<String> readonlyPaths,
                 List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
    }

    /** A user namespace mapping; runc wants it also when it joins an existing namespace. */
    record IdMapping(long containerID, long hostID, long size) {
    }

    record Namespace(String type, String path) {
    }

    /** A device node runc creates in the container's /dev. */
    record Device(String path, String type, long major, long minor, Integer fileMode, Long uid, Long gid) {
    }

    record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, List<HugepageLimit> hugepageLimits,
                     Map<String, String> unified) {
    }

    /** A device cgroup rule; a null type, major or minor matches every value. */
    record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
    }

    record Memory(Long limit, Long swap) {
    }

    record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {
    }

    record HugepageLimit(String pageSize, long limit) {
    }
}
