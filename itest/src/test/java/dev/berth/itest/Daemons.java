package dev.berth.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Gives a test a fresh temp dir and a way to start daemons in it; prints their logs when the test fails, and kills
 * and removes everything afterwards, pass or fail.
 */
public final class Daemons implements ParameterResolver, AfterEachCallback, TestWatcher {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Daemons.class);

    /** What a test sees: its directory and the daemons it started. */
    public static final class Session {
        private final Path dir;
        private final List<Berthd> started = new ArrayList<>();

        Session(Path dir) {
            this.dir = dir;
        }

        public TestConfig config() {
            return new TestConfig(dir);
        }

        /** A config in a fresh sub-directory, for tests that run several daemons. */
        public TestConfig config(String name) throws IOException {
            return new TestConfig(Files.createDirectories(dir.resolve(name)));
        }

        public Berthd start(TestConfig c, String... args) throws IOException, InterruptedException {
            Berthd b = Berthd.start(c, args); // on failure its exception carries the daemon's log
            started.add(b);
            return b;
        }

        /** Starts without waiting for readiness (for daemons expected to fail). */
        public Berthd launch(TestConfig c, String... args) throws IOException {
            Berthd b = Berthd.launch(c, args);
            started.add(b);
            return b;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Session.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return e.getStore(NS).getOrComputeIfAbsent("session", k -> {
            try {
                // short base path: unix socket paths are limited to 107 bytes
                return new Session(Files.createTempDirectory(Path.of("/tmp"), "berth-it-"));
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }, Session.class);
    }

    private static Optional<Session> session(ExtensionContext e) {
        return Optional.ofNullable(e.getStore(NS).get("session", Session.class));
    }

    @Override
    public void testFailed(ExtensionContext e, Throwable cause) {
        session(e).ifPresent(s -> s.started.forEach(b -> {
            try {
                System.err.println("==== berthd log (" + b.dir() + ") ====\n" + b.log());
            } catch (IOException ex) {
                System.err.println("cannot read berthd log: " + ex);
            }
        }));
    }

    @Override
    public void afterEach(ExtensionContext e) throws IOException {
        Optional<Session> s = session(e);
        if (s.isEmpty()) {
            return;
        }
        s.get().started.forEach(Berthd::close);
        // testFailed runs after afterEach: keep the dir (and logs) of failed tests, remove the rest (a test that
        // aborted on an assumption did not fail)
        if (e.getExecutionException().filter(t -> !(t instanceof org.opentest4j.TestAbortedException)).isEmpty()) {
            deleteTree(s.get().dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
