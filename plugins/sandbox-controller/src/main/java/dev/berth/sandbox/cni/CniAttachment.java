package dev.berth.sandbox.cni;

import dev.berth.core.sandbox.PortMapping;
import java.util.List;

/**
 * One sandbox's attachment to a network: the CNI parameters that identify it.
 *
 * @param netnsPath the pinned network namespace; "" on DEL when it is already gone (plugins then release what
 *                  they hold outside it, like the IPAM reservation)
 * @param podNamespace Kubernetes pod namespace, passed in CNI_ARGS with the name, sandbox id and uid
 */
public record CniAttachment(String containerId, String netnsPath, String ifName, String podNamespace,
                            String podName, String podUid, List<PortMapping> portMappings) {
    public CniAttachment {
        portMappings = List.copyOf(portMappings);
    }

    /** CNI_ARGS; IgnoreUnknown because plugins like host-local reject keys they do not know otherwise. */
    public String cniArgs() {
        return "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + podNamespace + ";K8S_POD_NAME=" + podName
                + ";K8S_POD_INFRA_CONTAINER_ID=" + containerId + ";K8S_POD_UID=" + podUid;
    }
}
