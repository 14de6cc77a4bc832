package dev.berth.itest.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A test's registries and image layouts. Tests get one as a parameter with
 * {@code @ExtendWith(Registries.Extension.class)}; afterwards every registry is killed and every directory removed,
 * pass or fail (a failed test first gets the registries' output printed).
 */
public final class Registries {
    private final Path dir;
    private final List<LocalRegistry> started = new ArrayList<>();
    private final List<ThrottledProxy> proxies = new ArrayList<>();
    private int layouts;

    private Registries(Path dir) {
        this.dir = dir;
    }

    /** An anonymous registry. */
    public LocalRegistry start() throws IOException, InterruptedException {
        return track(LocalRegistry.start());
    }

    /** A registry requiring basic auth as {@code user}/{@code password}. */
    public LocalRegistry startWithAuth(String user, String password) throws IOException, InterruptedException {
        return track(LocalRegistry.start(new LocalRegistry.Credentials(user, password)));
    }

    /** A registry started with {@code options} ({@link LocalRegistry#options()}). */
    public LocalRegistry start(LocalRegistry.Options options) throws IOException, InterruptedException {
        return track(LocalRegistry.start(options));
    }

    /** A proxy in front of {@code registry} whose answers are limited to {@code bytesPerSecond} per connection. */
    public ThrottledProxy throttle(LocalRegistry registry, long bytesPerSecond) throws IOException {
        ThrottledProxy p = ThrottledProxy.start(registry.port(), bytesPerSecond);
        proxies.add(p);
        return p;
    }

    private LocalRegistry track(LocalRegistry r) {
        started.add(r);
        return r;
    }

    /** Builds {@code image} into a fresh layout directory of this test under {@code tag}. */
    public TestImages.Layout build(TestImages.Builder image, String tag) throws IOException {
        return image.build(Files.createDirectories(dir.resolve("layout-" + ++layouts)), tag);
    }

    /** A loopback port nothing listens on. */
    public int closedPort() throws IOException {
        return LocalRegistry.closedPort();
    }

    public Path dir() {
        return dir;
    }

    /** The JUnit side: resolves {@link Registries} parameters and cleans up after each test. */
    public static final class Extension implements ParameterResolver, AfterEachCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(Registries.class);

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Registries.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return e.getStore(NS).getOrComputeIfAbsent("registries", k -> {
                try {
                    return new Registries(Files.createTempDirectory(Path.of("/tmp"), "berth-images-"));
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            }, Registries.class);
        }

        @Override
        public void afterEach(ExtensionContext e) throws IOException {
            Registries r = e.getStore(NS).get("registries", Registries.class);
            if (r == null) {
                return;
            }
            try {
                if (e.getExecutionException().isPresent()) {
                    r.started.forEach(reg -> System.err.println("==== " + reg + " output ====\n" + reg.output()
                            + reg.tokenServer().map(t -> "==== token requests ====\n" + String.join("\n", t.requests())).orElse("")));
                }
                r.proxies.forEach(ThrottledProxy::close);
                r.started.forEach(LocalRegistry::close);
            } finally {
                LocalRegistry.deleteTree(r.dir);
            }
        }
    }
}
