package dev.berth.core.errdefs;

/** A failure with an {@link ErrorKind}; the message is meant for the caller and names the offending field or object. */
public class BerthException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorKind kind;

    public BerthException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public BerthException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }

    public static BerthException notFound(String fmt, Object... args) {
        return new BerthException(ErrorKind.NOT_FOUND, String.format(fmt, args));
    }

    public static BerthException invalidArgument(String fmt, Object... args) {
        return new BerthException(ErrorKind.INVALID_ARGUMENT, String.format(fmt, args));
    }

    public static BerthException alreadyExists(String fmt, Object... args) {
        return new BerthException(ErrorKind.ALREADY_EXISTS, String.format(fmt, args));
    }

    public static BerthException resourceExhausted(String fmt, Object... args) {
        return new BerthException(ErrorKind.RESOURCE_EXHAUSTED, String.format(fmt, args));
    }

    public static BerthException failedPrecondition(String fmt, Object... args) {
        return new BerthException(ErrorKind.FAILED_PRECONDITION, String.format(fmt, args));
    }

    public static BerthException unavailable(String fmt, Object... args) {
        return new BerthException(ErrorKind.UNAVAILABLE, String.format(fmt, args));
    }

    public static BerthException unimplemented(String fmt, Object... args) {
        return new BerthException(ErrorKind.UNIMPLEMENTED, String.format(fmt, args));
    }
}
