package dev.berth.testing.reliability;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test (or every test of a class) as trying a fault or a hostile input on purpose. Its outcome is recorded by
 * {@link FaultRecorder} and ends up as a row of docs/RELIABILITY.md, so the table of what Berth survives is always the
 * result of the last test run, never a hand-written claim. On a method it overrides the class's.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(FaultRecorder.class)
public @interface Fault {
    /** The fault or hostile input, e.g. "disk full during pull". */
    String value();

    /** What the test asserts happens, e.g. "RESOURCE_EXHAUSTED, no half image, the next pull works". */
    String expect();
}
