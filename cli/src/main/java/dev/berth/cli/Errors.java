package dev.berth.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns failures into one line an operator can act on. */
final class Errors {
    private Errors() {
    }

    static String describe(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            Status st = s.getStatus();
            if (st.getCode() == Status.Code.UNAVAILABLE) {
                return "cannot reach the runtime (" + st.getDescription() + "); is berthd running? (see --runtime-endpoint)";
            }
            return st.getCode() + ": " + st.getDescription();
        }
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return "no such file: " + f.getFile();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
