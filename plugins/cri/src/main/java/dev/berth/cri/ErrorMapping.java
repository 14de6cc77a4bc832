package dev.berth.cri;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where error kinds become gRPC status codes. */
final class ErrorMapping {
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
            return Status.fromCode(code(b.kind())).withDescription(b.getMessage());
        }
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus();
        }
        return Status.INTERNAL.withDescription("internal error (request " + requestId + "): " + t);
    }
}
