/**
 * Checkpoint archives of running containers: CRIU (through the OCI runtime's {@code checkpoint} command) dumps the
 * processes, and {@link dev.berth.shim.runc.checkpoint.CheckpointArchive} packs the images with the container's spec
 * and the changes of its writable layer in the layout kubelet's forensic checkpointing and {@code checkpointctl} read.
 */
package dev.berth.shim.runc.checkpoint;
