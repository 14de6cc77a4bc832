package dev.berth.shim.runc.checkpoint;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.time.Duration;

/** The end of a checkpoint's time budget, checked between its steps and while its archive is written. */
public final class Deadline {
    private final long endNanos;
    private final Duration budget;

    private Deadline(long endNanos, Duration budget) {
        this.endNanos = endNanos;
        this.budget = budget;
    }

    /** A deadline {@code budget} from now. */
    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /** Time left; zero once it passed. */
    public Duration remaining() {
        long left = endNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /**
     * @throws BerthException DEADLINE_EXCEEDED naming {@code what} once the deadline passed
     */
    public void check(String what) {
        if (endNanos - System.nanoTime() <= 0) {
            throw expired(what);
        }
    }

    /** The error for a checkpoint that ran out of time while doing {@code what}. */
    public BerthException expired(String what) {
        return new BerthException(ErrorKind.DEADLINE_EXCEEDED, "the checkpoint did not finish within its timeout of "
                + budget.toSeconds() + " s (while " + what + ")");
    }
}
