package dev.berth.testing.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Writes one JSON file per finished {@link Fault} test into {@code target/reliability/} of the module under test
 * (or {@code -Dberth.reliability.dir}): the fault, what is asserted, the test's name and how it ended. Registered by
 * the {@link Fault} annotation itself.
 */
public final class FaultRecorder implements TestWatcher {
    /** Where records go; read by {@link ReliabilityReport}. */
    static final String DIR_PROPERTY = "berth.reliability.dir";

    @Override
    public void testSuccessful(ExtensionContext e) {
        record(e, "passed", "");
    }

    @Override
    public void testFailed(ExtensionContext e, Throwable cause) {
        record(e, "failed", String.valueOf(cause));
    }

    @Override
    public void testAborted(ExtensionContext e, Throwable cause) {
        record(e, "skipped", cause == null ? "" : String.valueOf(cause.getMessage()));
    }

    @Override
    public void testDisabled(ExtensionContext e, Optional<String> reason) {
        record(e, "skipped", reason.orElse("disabled"));
    }

    private static void record(ExtensionContext e, String outcome, String detail) {
        Optional<Fault> fault = e.getTestMethod().flatMap(FaultRecorder::fault)
                .or(() -> e.getTestClass().flatMap(FaultRecorder::fault));
        if (fault.isEmpty()) {
            return;
        }
        String cls = e.getRequiredTestClass().getSimpleName();
        String method = e.getTestMethod().map(m -> m.getName()).orElse("");
        Map<String, String> r = new LinkedHashMap<>();
        r.put("fault", fault.get().value());
        r.put("expect", fault.get().expect());
        r.put("test", cls + "#" + method + (e.getDisplayName().startsWith(method + "(") ? "" : " " + e.getDisplayName()));
        r.put("outcome", outcome);
        r.put("detail", detail.length() > 300 ? detail.substring(0, 300) + "…" : detail);
        r.put("finished", Instant.now().toString());
        Path dir = Path.of(System.getProperty(DIR_PROPERTY, "target/reliability"));
        String file = cls + "." + method + "-" + Integer.toHexString(e.getUniqueId().hashCode()) + ".json";
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), Json.write(r), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot record the outcome of " + r.get("test"), ex);
        }
    }

    private static Optional<Fault> fault(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(Fault.class));
    }
}
