/**
 * The pod sandbox controller plugin (io.berth.sandbox.controller.v1.podsandbox): pods in network, UTS and IPC
 * namespaces pinned by bind mounts, networked by CNI plugins ({@code dev.berth.sandbox.cni}), with per-pod
 * hostname/hosts/resolv.conf files and a /dev/shm tmpfs; records in an MVStore.
 * <p>
 * A pod's own process, where it has one: in the pause-less mode only a pod sharing one pid namespace gets a small
 * holder ({@link dev.berth.sandbox.PidNamespaceHolders}); a pod whose config carries an
 * {@link dev.berth.core.sandbox.InfraContainer} (its runtime handler has {@code pod_infra = "image"}) gets that
 * container ({@link dev.berth.sandbox.InfraContainers}): a snapshot of the image from the snapshotter SPI and the
 * image's process run through the runtime shim SPI, both plugins found by id among this plugin's dependencies. The
 * path from RunPodSandbox to the kernel stays: CRI (pulls the image, fills in the InfraContainer) → this controller
 * (namespaces, CNI, snapshot) → the shim (OCI spec, conmon, runc). Nothing here writes an OCI spec or runs runc.
 */
package dev.berth.sandbox;
