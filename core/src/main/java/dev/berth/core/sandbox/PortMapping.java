package dev.berth.core.sandbox;

/**
 * A host port forwarded to the pod.
 *
 * @param hostPort 0 means "not exposed on the host" (the mapping is then informational only)
 * @param hostIp   the host address to bind, or "" for all
 */
public record PortMapping(Protocol protocol, int containerPort, int hostPort, String hostIp) {
    /** Transport protocol of a mapping. */
    public enum Protocol { TCP, UDP, SCTP }

    public PortMapping {
        protocol = protocol == null ? Protocol.TCP : protocol;
        hostIp = hostIp == null ? "" : hostIp;
    }
}
