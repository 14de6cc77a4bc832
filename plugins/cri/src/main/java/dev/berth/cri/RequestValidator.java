package dev.berth.cri;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.berth.core.errdefs.BerthException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks what every CRI request must satisfy before any plugin sees it: the fields the CRI contract marks as
 * required are set, and ids (which become path components and runc names) cannot escape or inject anything.
 */
final class RequestValidator {
    /** Ids are ours (hex) or prefixes of ours; names of this shape can never climb out of a directory. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    /** Required top-level fields by request message name (the CRI marks them REQUIRED or the call is meaningless). */
    private static final Map<String, List<String>> REQUIRED = Map.ofEntries(
            Map.entry("RunPodSandboxRequest", List.of("config", "config.metadata", "config.metadata.name",
                    "config.metadata.namespace", "config.metadata.uid")),
            Map.entry("StopPodSandboxRequest", List.of("pod_sandbox_id")),
            Map.entry("RemovePodSandboxRequest", List.of("pod_sandbox_id")),
            Map.entry("PodSandboxStatusRequest", List.of("pod_sandbox_id")),
            Map.entry("PodSandboxStatsRequest", List.of("pod_sandbox_id")),
            Map.entry("CreateContainerRequest", List.of("pod_sandbox_id", "config", "sandbox_config")),
            Map.entry("StartContainerRequest", List.of("container_id")),
            Map.entry("StopContainerRequest", List.of("container_id")),
            Map.entry("RemoveContainerRequest", List.of("container_id")),
            Map.entry("ContainerStatusRequest", List.of("container_id")),
            Map.entry("ContainerStatsRequest", List.of("container_id")),
            Map.entry("UpdateContainerResourcesRequest", List.of("container_id")),
            Map.entry("ReopenContainerLogRequest", List.of("container_id")),
            Map.entry("ExecSyncRequest", List.of("container_id", "cmd")),
            Map.entry("ExecRequest", List.of("container_id", "cmd")),
            Map.entry("AttachRequest", List.of("container_id")),
            Map.entry("PortForwardRequest", List.of("pod_sandbox_id")),
            Map.entry("CheckpointContainerRequest", List.of("container_id")),
            Map.entry("UpdatePodSandboxResourcesRequest", List.of("pod_sandbox_id")),
            Map.entry("UpdateRuntimeConfigRequest", List.of("runtime_config")),
            Map.entry("PullImageRequest", List.of("image")),
            Map.entry("ImageStatusRequest", List.of("image")),
            Map.entry("RemoveImageRequest", List.of("image")));

    private RequestValidator() {
    }

    static void validate(Message request) {
        String type = request.getDescriptorForType().getName();
        for (String path : REQUIRED.getOrDefault(type, List.of())) {
            if (!isSet(request, path)) {
                throw BerthException.invalidArgument("%s: %s is required", type, path);
            }
        }
        for (FieldDescriptor f : request.getDescriptorForType().getFields()) {
            if (f.getName().endsWith("_id") && f.getJavaType() == FieldDescriptor.JavaType.STRING && !f.isRepeated()) {
                String v = (String) request.getField(f);
                if (!v.isEmpty() && !ID.matcher(v).matches()) {
                    throw BerthException.invalidArgument("%s: %s %s is not a valid id (letters, digits, '_', '.', '-'; at most 128)",
                            type, f.getName(), quote(v));
                }
            }
        }
    }

    /** Whether the field at a dotted path is set; an unset message on the way means it is not. */
    private static boolean isSet(Message message, String path) {
        Message m = message;
        String[] names = path.split("\\.");
        for (int i = 0; i < names.length; i++) {
            FieldDescriptor f = m.getDescriptorForType().findFieldByName(names[i]);
            boolean set = f.isRepeated() ? m.getRepeatedFieldCount(f) > 0
                    : f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? m.hasField(f)
                    : !m.getField(f).toString().isEmpty();
            if (!set) {
                return false;
            }
            if (i < names.length - 1) {
                m = (Message) m.getField(f);
            }
        }
        return true;
    }

    private static String quote(String v) {
        String shown = v.length() > 64 ? v.substring(0, 64) + "…" : v;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
