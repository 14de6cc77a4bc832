package dev.berth.cri;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where error kinds become gRPC status codes. */
final class ErrorMapping {
    /**
     * Longest description sent. Messages quote what the caller sent, and the description travels percent-encoded in
     * the grpc-message trailer (up to 9 bytes per char): a huge quoted value would burst the peer's 8 KiB header limit
     * and reach the caller as an INTERNAL protocol error instead of the real status.
     */
    static final int MAX_DESCRIPTION = 512;

    private ErrorMapping() {
    }

    static Status.Code code(ErrorKind kind) {
        return switch (kind) {
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case DEADLINE_EXCEEDED -> Status.Code.DEADLINE_EXCEEDED;
            case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
            case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
            case CANCELLED -> Status.Code.CANCELLED;
            case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
            case INTERNAL -> Status.Code.INTERNAL;
        };
    }

    /**
     * The status a failure is reported with. Known failures keep their message; anything else is a bug and becomes
     * INTERNAL carrying the request id, so the caller can find the stack trace in the daemon log.
     */
    static Status toStatus(Throwable t, String requestId) {
        if (t instanceof BerthException b) {
            return Status.fromCode(code(b.kind())).withDescription(bounded(b.getMessage()));
        }
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus().withDescription(bounded(s.getStatus().getDescription()));
        }
        return Status.INTERNAL.withDescription(bounded("internal error (request " + requestId + "): " + t));
    }

    private static String bounded(String description) {
        if (description == null || description.length() <= MAX_DESCRIPTION) {
            return description;
        }
        int end = MAX_DESCRIPTION;
        if (Character.isHighSurrogate(description.charAt(end - 1))) {
            end--;
        }
        return description.substring(0, end) + "… (" + description.length() + " chars)";
    }
}
