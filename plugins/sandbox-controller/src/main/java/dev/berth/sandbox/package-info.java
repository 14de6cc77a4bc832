/**
 * The pod sandbox controller plugin (io.berth.sandbox.controller.v1.podsandbox): pods in network, UTS and IPC
 * namespaces pinned by bind mounts, networked by CNI plugins ({@code dev.berth.sandbox.cni}), with per-pod
 * hostname/hosts/resolv.conf files and a /dev/shm tmpfs; records in an MVStore.
 */
package dev.berth.sandbox;
