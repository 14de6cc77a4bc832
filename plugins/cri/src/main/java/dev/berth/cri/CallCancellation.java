package dev.berth.cri;

import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * Whether the client of the CRI call this thread serves has gone: it cancelled, or its deadline passed. Long work (a
 * pull waiting for its layer downloads) polls this and stops, cleaning up, instead of running on for nobody.
 * Nothing is interrupted: an interrupt would close the FileChannels the content store and the metadata stores write
 * through. Outside a call it is never true.
 */
public final class CallCancellation {
    private static final ThreadLocal<BooleanSupplier> CURRENT = new ThreadLocal<>();

    private CallCancellation() {
    }

    /** Whether the current call's client has gone. */
    public static boolean requested() {
        BooleanSupplier s = CURRENT.get();
        return s != null && s.getAsBoolean();
    }

    /** Runs {@code work} as a call whose client is gone once {@code cancelled} says so; returns its result. */
    public static <T> T during(BooleanSupplier cancelled, Callable<T> work) throws Exception {
        BooleanSupplier outer = CURRENT.get();
        CURRENT.set(cancelled);
        try {
            return work.call();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
