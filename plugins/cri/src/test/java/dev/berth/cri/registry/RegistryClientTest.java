package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryClientTest {
    private FakeRegistry registry;
    private final TestImage image = new TestImage(7);

    @BeforeEach
    void setUp() throws Exception {
        registry = new FakeRegistry();
        registry.putImage("team/app", "v1", image);
    }

    @AfterEach
    void tearDown() {
        registry.close();
    }

    private static RegistryClient client(RegistryConfig c) {
        return new RegistryClient(c, Duration.ofMillis(1), Clock.systemUTC());
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.host() + "/team/app:v1");
    }

    private static ErrorKind kind(Throwable t) {
        return ((BerthException) t).kind();
    }

    @Test
    void resolvesATagToTheIndexDigest() {
        FetchedManifest m = client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.none());
        assertThat(m.digest()).isEqualTo(image.indexDigest);
        assertThat(m.isIndex()).isTrue();
        assertThat(m.bytes()).isEqualTo(image.index);
    }

    @Test
    void withoutDigestHeaderTheDigestIsComputed() {
        registry.sendDigestHeader = false;
        FetchedManifest m = client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.none());
        assertThat(m.digest()).isEqualTo(image.indexDigest);
    }

    @Test
    void manifestFetchedByDigestMustMatchIt() {
        Digest other = image.arm64.manifestDigest();
        registry.putManifest("team/lie", other.toString(), MediaTypes.OCI_MANIFEST, image.amd64.manifest());
        ImageReference lie = ImageReference.parse(registry.host() + "/team/lie@" + other);
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(lie, other.toString(), Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("digest mismatch");
    }

    @Test
    void anonymousBearerTokenFlowAndTokenCache() {
        registry.auth = FakeRegistry.Auth.BEARER;
        RegistryClient c = client(RegistryConfig.defaults());
        c.fetchManifest(ref(), "v1", Credentials.none());
        c.fetchManifest(ref(), image.amd64.manifestDigest().toString(), Credentials.none());
        assertThat(registry.tokenRequests).hasSize(1);
        assertThat(registry.tokenRequests.get(0)).contains("service=fake-registry").contains("scope=repository:team/app:pull");
    }

    @Test
    void bearerTokenWithCredentials() {
        registry.auth = FakeRegistry.Auth.BEARER;
        registry.user = "alice";
        registry.password = "pw";
        client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.basic("alice", "pw"));
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.basic("alice", "wrong")))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.PERMISSION_DENIED))
                .hasMessageContaining("bearer")
                .hasMessageContaining(registry.host())
                .hasMessageNotContaining("wrong");
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.PERMISSION_DENIED))
                .hasMessageContaining("anonymous");
    }

    @Test
    void registryTokenIsSentAsIsAndIdentityTokenIsExchanged() {
        registry.auth = FakeRegistry.Auth.BEARER;
        registry.refreshToken = "refresh-me";
        client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", new Credentials("", "", "", "refresh-me", ""));
        assertThat(registry.tokenRequests).hasSize(1);
        assertThat(registry.tokenRequests.get(0)).startsWith("POST").contains("grant_type=refresh_token")
                .contains("scope=repository:team/app:pull");

        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(ref(), "v1",
                new Credentials("", "", "", "", "not-the-token")))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.PERMISSION_DENIED))
                .hasMessageContaining("registry token");
        assertThat(registry.tokenRequests).hasSize(1);
    }

    @Test
    void basicAuthFromTheRequestOrTheHostConfig() {
        registry.auth = FakeRegistry.Auth.BASIC;
        registry.user = "bob";
        registry.password = "hunter2";
        client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.basic("bob", "hunter2"));
        RegistryConfig withUser = RegistryConfig.defaults().withHost(registry.host(),
                new RegistryConfig.Host(List.of(), false, false, "", "bob", "hunter2"));
        client(withUser).fetchManifest(ref(), "v1", Credentials.none());

        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.basic("bob", "nope")))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.PERMISSION_DENIED))
                .hasMessageContaining("basic (user \"bob\")")
                .hasMessageContaining(registry.host());
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(ref(), "v1", Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.PERMISSION_DENIED))
                .hasMessageContaining("basic auth");
    }

    @Test
    void notFoundNamesTheReference() {
        ImageReference missing = ImageReference.parse(registry.host() + "/team/none:v9");
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(missing, "v9", Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.NOT_FOUND))
                .hasMessageContaining(registry.host() + "/team/none:v9");
    }

    @Test
    void mirrorDownThenMirrorWithout404ThenUpstream() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try (FakeRegistry emptyMirror = new FakeRegistry()) {
            RegistryConfig c = RegistryConfig.defaults().withHost(registry.host(), new RegistryConfig.Host(
                    List.of("http://127.0.0.1:" + dead, emptyMirror.url()), false, false, "", "", ""));
            FetchedManifest m = client(c).fetchManifest(ref(), "v1", Credentials.none());
            assertThat(m.digest()).isEqualTo(image.indexDigest);
            assertThat(emptyMirror.requests).anyMatch(r -> r.contains("/v2/team/app/manifests/v1") && r.contains("ns="));
            assertThat(registry.requests).anyMatch(r -> r.contains("/v2/team/app/manifests/v1"));
        }
    }

    @Test
    void workingMirrorServesWithoutTouchingUpstream() throws Exception {
        try (FakeRegistry mirror = new FakeRegistry()) {
            mirror.putImage("team/app", "v1", image);
            RegistryConfig c = RegistryConfig.defaults().withHost(registry.host(), new RegistryConfig.Host(
                    List.of(mirror.url()), false, false, "", "", ""));
            InMemoryContentStore store = new InMemoryContentStore();
            try (ImagePuller p = new ImagePuller(store, client(c), null)) {
                PulledImage img = p.pull(ref(), Credentials.none(), new Platform("linux", "amd64", ""));
                assertThat(img.manifest()).isEqualTo(image.amd64.manifestDigest());
            }
            assertThat(registry.requests).isEmpty();
        }
    }

    @Test
    void serverErrorsAreRetriedThenUnavailable() {
        registry.failWith503.set(2);
        RegistryConfig c = RegistryConfig.defaults();
        assertThat(client(c).fetchManifest(ref(), "v1", Credentials.none()).digest()).isEqualTo(image.indexDigest);

        registry.failWith503.set(100);
        assertThatThrownBy(() -> client(c).fetchManifest(ref(), "v1", Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessageContaining("registry " + registry.host() + " unreachable")
                .hasMessageContaining("after 3 attempts")
                .hasMessageContaining("503");
    }

    @Test
    void unreachableRegistryIsUnavailable() throws IOException {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        ImageReference r = ImageReference.parse("127.0.0.1:" + dead + "/x:y");
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchManifest(r, "y", Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.UNAVAILABLE))
                .hasMessageContaining("127.0.0.1:" + dead);
    }

    @Test
    void endpointsAreMirrorsThenTheHostAndDockerHubIsRegistry1() {
        RegistryConfig c = RegistryConfig.defaults().withHost("docker.io", new RegistryConfig.Host(
                List.of("http://127.0.0.1:5001", "mirror.example.com/v2/"), false, false, "", "", ""));
        List<RegistryEndpoint> eps = client(c).endpoints("docker.io", Credentials.basic("u", "p"));
        assertThat(eps).extracting(e -> e.base().toString())
                .containsExactly("http://127.0.0.1:5001", "https://mirror.example.com", "https://registry-1.docker.io");
        assertThat(eps.get(0).credentials().isEmpty()).isTrue(); // pull credentials are for the registry, not mirrors
        assertThat(eps.get(2).credentials().username()).isEqualTo("u");
        assertThat(eps.get(2).httpFallback()).isFalse();
        assertThat(eps.get(0).resolve("library/x/manifests/1").toString())
                .isEqualTo("http://127.0.0.1:5001/v2/library/x/manifests/1?ns=docker.io");

        RegistryConfig plain = RegistryConfig.defaults().withHost("reg:5000", new RegistryConfig.Host(List.of(), true, false, "", "", ""));
        assertThat(client(plain).endpoints("reg:5000", Credentials.none()).get(0).base().toString()).isEqualTo("http://reg:5000");
        assertThat(client(plain).endpoints("localhost:5000", Credentials.none()).get(0).httpFallback()).isTrue();
    }

    @Test
    void loopbackDetection() {
        assertThat(RegistryEndpoint.isLoopback("localhost:5000")).isTrue();
        assertThat(RegistryEndpoint.isLoopback("127.1.2.3")).isTrue();
        assertThat(RegistryEndpoint.isLoopback("[::1]:5000")).isTrue();
        assertThat(RegistryEndpoint.isLoopback("128.0.0.1:5000")).isFalse();
        assertThat(RegistryEndpoint.isLoopback("127.example.com")).isFalse();
        assertThat(RegistryEndpoint.isLoopback("docker.io")).isFalse();
    }

    @Test
    void parsesAuthChallenges() {
        List<AuthChallenge> cs = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:a/b:pull,push\"",
                "Basic realm=\"x\", Bearer realm=\"r2\""));
        assertThat(cs).hasSize(3);
        assertThat(cs.get(0).scheme()).isEqualTo("bearer");
        assertThat(cs.get(0).params()).isEqualTo(Map.of("realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:a/b:pull,push"));
        assertThat(cs.get(1).scheme()).isEqualTo("basic");
        assertThat(cs.get(2).param("realm")).isEqualTo("r2");
    }

    @Test
    void smallBlobIsVerified() {
        Descriptor cfg = new Descriptor(MediaTypes.OCI_CONFIG, image.amd64.configDigest(), image.amd64.config().length);
        assertThat(client(RegistryConfig.defaults()).fetchBlob(ref(), cfg, 1 << 20, Credentials.none()))
                .isEqualTo(image.amd64.config());
        registry.corrupt.add(image.amd64.configDigest());
        assertThatThrownBy(() -> client(RegistryConfig.defaults()).fetchBlob(ref(), cfg, 1 << 20, Credentials.none()))
                .satisfies(e -> assertThat(kind(e)).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining(image.amd64.configDigest().toString());
    }
}
