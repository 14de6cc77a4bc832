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
        String exhausted = exhaustedResource(t);
        if (exhausted != null && !(t instanceof BerthException b && b.kind() != ErrorKind.INTERNAL)) {
            return Status.RESOURCE_EXHAUSTED.withDescription(bounded(exhausted + ": " + message(t)));
        }
        if (t instanceof BerthException b) {
            return Status.fromCode(code(b.kind())).withDescription(bounded(b.getMessage()));
        }
        if (t instanceof StatusRuntimeException s) {
            return s.getStatus().withDescription(bounded(s.getStatus().getDescription()));
        }
        return Status.INTERNAL.withDescription(bounded("internal error (request " + requestId + "): " + t));
    }

    /**
     * What the node ran out of, when an I/O failure anywhere in {@code t}'s causes is a full disk or a full file table:
     * the caller (and the kubelet's eviction logic) should see RESOURCE_EXHAUSTED, not a bug. Null otherwise.
     */
    static String exhaustedResource(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : c.getMessage();
            if (m == null) {
                continue;
            }
            if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
                return "no space left on the device";
            }
            if (m.contains("Too many open files")) {
                return "out of file descriptors";
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    /** The first message along the causes: a wrapper's, or the I/O failure's own. */
    private static String message(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c.getMessage() != null) {
                return c.getMessage();
            }
        }
        return t.toString();
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
