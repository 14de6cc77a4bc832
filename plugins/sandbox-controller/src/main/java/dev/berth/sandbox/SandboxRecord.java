package dev.berth.sandbox;

import dev.berth.core.sandbox.SandboxConfig;

/**
 * What is stored about one sandbox. Namespace, shm and file paths follow from the id, so only what cannot be
 * derived is kept: the lifecycle phase, the network attachment and the infra process. A non-null
 * {@code cniConfList} means the network may be attached and DEL is still owed, even when {@code cniResult} is null
 * (a crash during ADD).
 *
 * @param createdAt ISO-8601 instant
 * @param stoppedAt ISO-8601 instant, or null while not stopped
 * @param infraPid  host pid of the process holding the pod's shared pid namespace, 0 when there is none (records
 *                  written before it existed read as 0)
 */
record SandboxRecord(String id, Phase phase, String createdAt, String stoppedAt, SandboxConfig config,
                     String hostname, String cniConfList, String cniResult, long infraPid) {
    /** Lifecycle of a sandbox record. */
    enum Phase {
        /** Recorded; nothing set up. */
        CREATED,
        /** Setting up; if found at startup, the daemon died mid-start and the leftovers are torn down. */
        STARTING,
        READY,
        /** Stopped (or found broken); what is left of it is released, retried until it succeeds. */
        STOPPED
    }

    SandboxRecord withPhase(Phase p) {
        return new SandboxRecord(id, p, createdAt, stoppedAt, config, hostname, cniConfList, cniResult, infraPid);
    }

    SandboxRecord stopped(String at) {
        return new SandboxRecord(id, Phase.STOPPED, createdAt, stoppedAt == null ? at : stoppedAt, config, hostname,
                cniConfList, cniResult, infraPid);
    }

    SandboxRecord withNetwork(String confList, String result) {
        return new SandboxRecord(id, phase, createdAt, stoppedAt, config, hostname, confList, result, infraPid);
    }

    SandboxRecord withInfraPid(long pid) {
        return new SandboxRecord(id, phase, createdAt, stoppedAt, config, hostname, cniConfList, cniResult, pid);
    }

    SandboxRecord withoutNetwork() {
        return withNetwork(null, null);
    }

    boolean networkAttached() {
        return cniConfList != null;
    }
}
