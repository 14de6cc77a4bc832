package dev.berth.core.runtime;

/**
 * What an OCI runtime binary can do beyond the basics, as a runtime shim learned it from the runtime itself; the CRI
 * reports it per runtime handler so the kubelet only asks for what will work.
 *
 * @param recursiveReadOnlyMounts a read-only bind mount can be made read-only with every mount below it
 *                                ({@link ContainerMount#recursiveReadOnly()})
 * @param userNamespaces          pods can run in a user namespace of their own
 */
public record RuntimeFeatures(boolean recursiveReadOnlyMounts, boolean userNamespaces) {
    /** Nothing beyond the basics: what a shim that cannot tell reports. */
    public static final RuntimeFeatures NONE = new RuntimeFeatures(false, false);
}
