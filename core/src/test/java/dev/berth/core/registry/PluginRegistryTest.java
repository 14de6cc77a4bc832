package dev.berth.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.metrics.Metrics;
import dev.berth.core.plugin.GrpcServiceProvider;
import dev.berth.core.plugin.InitContext;
import dev.berth.core.plugin.PluginInfo;
import dev.berth.core.plugin.PluginState;
import dev.berth.core.plugin.PluginTypes;
import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import io.grpc.ServerServiceDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {
    @TempDir
    Path dir;

    private final List<String> events = new ArrayList<>();

    private Registration plugin(String type, String id, Requirement... requires) {
        return Registration.builder(type, id).requires(requires).init(ctx -> {
            events.add("init " + ctx.registration().fullName());
            return (AutoCloseable) () -> events.add("close " + type + "." + id);
        });
    }

    private Registration failing(String type, String id) {
        return Registration.builder(type, id).init(ctx -> {
            throw new IllegalStateException("boom in " + id);
        });
    }

    private PluginRegistry registry(Set<String> disabled, Set<String> required) {
        return new PluginRegistry(new InitEnvironment(dir.resolve("root"), dir.resolve("state"),
                name -> ConfigFactory.parseString("name = \"" + name + "\""), disabled, required, null, new Metrics()));
    }

    private static List<DiscoveredPlugin> builtin(Registration... rs) {
        return Arrays.stream(rs).map(r -> new DiscoveredPlugin(r, "builtin")).collect(Collectors.toList());
    }

    private static Map<String, PluginInfo> byName(PluginRegistry reg) {
        return reg.plugins().stream().collect(Collectors.toMap(PluginInfo::fullName, i -> i));
    }

    @Test
    void initsDependenciesFirstAndClosesInReverse() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(
                plugin("t.cri", "cri", Requirement.type("t.snap"), Requirement.plugin("t.content", "local")),
                plugin("t.snap", "overlay", Requirement.type("t.content")),
                plugin("t.content", "local")));
        assertThat(events).containsExactly("init t.content.local", "init t.snap.overlay", "init t.cri.cri");
        assertThat(reg.plugins()).extracting(PluginInfo::state).containsOnly(PluginState.OK);
        events.clear();
        reg.close();
        assertThat(events).containsExactly("close t.cri.cri", "close t.snap.overlay", "close t.content.local");
    }

    @Test
    void keepsInputOrderWhenUnconstrained() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(plugin("t.a", "one"), plugin("t.b", "two"), plugin("t.c", "three")));
        assertThat(events).containsExactly("init t.a.one", "init t.b.two", "init t.c.three");
    }

    @Test
    void failingInitIsMarkedErrorAndOthersStillStart() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(failing("t.bad", "x"), plugin("t.good", "y")));
        Map<String, PluginInfo> infos = byName(reg);
        assertThat(infos.get("t.bad.x").state()).isEqualTo(PluginState.ERROR);
        assertThat(infos.get("t.bad.x").reason()).isEqualTo("boom in x");
        assertThat(infos.get("t.good.y").state()).isEqualTo(PluginState.OK);
        assertThat(reg.instances("t.bad", Object.class)).isEmpty();
    }

    @Test
    void pluginWithMissingDependencyIsSkippedWithReason() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(plugin("t.cri", "cri", Requirement.type("t.runtime"))));
        PluginInfo info = byName(reg).get("t.cri.cri");
        assertThat(info.state()).isEqualTo(PluginState.SKIPPED);
        assertThat(info.reason()).isEqualTo("requires t.runtime.*: none is installed");
        assertThat(events).isEmpty();
    }

    @Test
    void pluginWhoseDependencyFailedIsSkippedNamingIt() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(plugin("t.cri", "cri", Requirement.plugin("t.runtime", "runc")), failing("t.runtime", "runc")));
        PluginInfo info = byName(reg).get("t.cri.cri");
        assertThat(info.state()).isEqualTo(PluginState.SKIPPED);
        assertThat(info.reason()).isEqualTo("requires t.runtime.runc: t.runtime.runc is error");
    }

    @Test
    void optionalDependencyOrdersButDoesNotBlock() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(plugin("t.cri", "cri", Requirement.optionalType("t.runtime"), Requirement.optionalType("t.none")),
                plugin("t.runtime", "runc")));
        assertThat(events).containsExactly("init t.runtime.runc", "init t.cri.cri");
        assertThat(byName(reg).get("t.cri.cri").state()).isEqualTo(PluginState.OK);
    }

    @Test
    void disabledPluginsAreNotInitialisedAndTheirDependentsAreSkipped() throws Exception {
        PluginRegistry reg = registry(Set.of("t.content.local"), Set.of());
        reg.start(builtin(plugin("t.content", "local"), plugin("t.snap", "overlay", Requirement.type("t.content"))));
        Map<String, PluginInfo> infos = byName(reg);
        assertThat(infos.get("t.content.local").state()).isEqualTo(PluginState.SKIPPED);
        assertThat(infos.get("t.content.local").reason()).isEqualTo("disabled by disabled_plugins");
        assertThat(infos.get("t.snap.overlay").state()).isEqualTo(PluginState.SKIPPED);
        assertThat(events).isEmpty();
    }

    @Test
    void requiredPluginFailingStopsStartupAndClosesWhatStarted() {
        PluginRegistry reg = registry(Set.of(), Set.of("t.bad.x"));
        assertThatThrownBy(() -> reg.start(builtin(plugin("t.a", "first"), failing("t.bad", "x"), plugin("t.c", "never"))))
                .isInstanceOf(StartupException.class)
                .hasMessage("required plugin t.bad.x is error: boom in x");
        assertThat(events).containsExactly("init t.a.first", "close t.a.first");
    }

    @Test
    void requiredPluginSkippedForMissingDependencyStopsStartup() {
        PluginRegistry reg = registry(Set.of(), Set.of("t.cri.cri"));
        assertThatThrownBy(() -> reg.start(builtin(plugin("t.cri", "cri", Requirement.type("t.runtime")))))
                .isInstanceOf(StartupException.class)
                .hasMessage("required plugin t.cri.cri is skipped: requires t.runtime.*: none is installed");
    }

    @Test
    void requiredPluginNotInstalledOrDisabledStopsStartup() {
        assertThatThrownBy(() -> registry(Set.of(), Set.of("t.x.y")).start(builtin(plugin("t.a", "b"))))
                .isInstanceOf(StartupException.class).hasMessage("required plugin t.x.y is not installed");
        assertThatThrownBy(() -> registry(Set.of("t.a.b"), Set.of("t.a.b")).start(builtin(plugin("t.a", "b"))))
                .isInstanceOf(StartupException.class).hasMessage("required plugin t.a.b is listed in disabled_plugins");
        assertThat(events).isEmpty();
    }

    @Test
    void cycleFailsStartupNamingTheCycle() {
        PluginRegistry reg = registry(Set.of(), Set.of());
        assertThatThrownBy(() -> reg.start(builtin(
                plugin("t.free", "z"),
                plugin("t.a", "a", Requirement.type("t.b")),
                plugin("t.b", "b", Requirement.plugin("t.c", "c")),
                plugin("t.c", "c", Requirement.optionalType("t.a")))))
                .isInstanceOf(StartupException.class)
                .hasMessage("plugin dependency cycle: t.a.a -> t.b.b -> t.c.c -> t.a.a");
        assertThat(events).isEmpty();
    }

    @Test
    void duplicateFullNameIsAnError() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(List.of(new DiscoveredPlugin(plugin("t.a", "x"), "builtin"),
                new DiscoveredPlugin(plugin("t.a", "x"), "/plugins/evil")));
        assertThat(reg.plugins()).extracting(PluginInfo::state, PluginInfo::origin).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(PluginState.ERROR, "/plugins/evil"),
                org.assertj.core.groups.Tuple.tuple(PluginState.OK, "builtin"));
        assertThat(events).containsExactly("init t.a.x");
    }

    @Test
    void initContextGivesConfigDirectoriesAndDependencies() throws Exception {
        List<Object> seen = new ArrayList<>();
        Registration user = Registration.builder("t.user", "u").requires(Requirement.type("t.dep")).init(ctx -> {
            InitContext c = ctx;
            Config cfg = c.config();
            seen.add(cfg.getString("name"));
            seen.add(c.root());
            seen.add(Files.isDirectory(c.state()));
            seen.add(c.get("t.dep", String.class));
            seen.add(c.getAll("t.dep", String.class));
            seen.add(c.plugins().size());
            return "user";
        });
        Registration dep1 = Registration.builder("t.dep", "one").init(ctx -> "dep-one");
        Registration dep2 = Registration.builder("t.dep", "two").init(ctx -> "dep-two");
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(user, dep1, dep2));
        assertThat(seen).containsExactly("t.user.u", dir.resolve("root/t.user.u"), true, "dep-one",
                Map.of("one", "dep-one", "two", "dep-two"), 2);
        assertThat(Files.getPosixFilePermissions(dir.resolve("root/t.user.u")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void registrationRejectsBadNames() {
        assertThatThrownBy(() -> Registration.builder("Bad Type", "x").init(c -> "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Registration.builder("t.ok", "").init(c -> "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unloadedPluginDirectoriesAreListedAndNamedWhenARequiredPluginIsMissing() throws Exception {
        PluginInfo future = new PluginInfo(PluginInfo.PLUGIN_DIR, "native", PluginState.SKIPPED,
                "p.jar was built for plugin SPI 999.0", List.of(), "/plugins/native");
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(plugin("t.a", "x")), List.of(future));
        assertThat(reg.plugins()).containsExactly(future, new PluginInfo("t.a", "x", PluginState.OK, "", List.of(), "builtin"));

        assertThatThrownBy(() -> registry(Set.of(), Set.of("t.snap.native")).start(builtin(), List.of(future)))
                .isInstanceOf(StartupException.class).hasMessage("required plugin t.snap.native is not installed"
                        + " (plugin directories not loaded: /plugins/native: p.jar was built for plugin SPI 999.0)");
    }

    @Test
    void pluginFromAPluginDirIsInitialisedBeforeTheBuiltinThatRequiresItsType() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(List.of(new DiscoveredPlugin(plugin("t.cri", "cri", Requirement.optionalType("t.snap")), "builtin"),
                new DiscoveredPlugin(plugin("t.snap", "native"), "/plugins/native")));
        assertThat(events).containsExactly("init t.snap.native", "init t.cri.cri");
    }

    /** A gRPC plugin serving services of these names; records its init and close. */
    private Registration grpc(String id, String... serviceNames) {
        return Registration.builder(PluginTypes.GRPC, id).init(ctx -> {
            events.add("init " + id);
            return new Served(id, Arrays.stream(serviceNames).map(n -> ServerServiceDefinition.builder(n).build()).toList());
        });
    }

    private final class Served implements GrpcServiceProvider, AutoCloseable {
        private final String id;
        private final List<ServerServiceDefinition> services;

        Served(String id, List<ServerServiceDefinition> services) {
            this.id = id;
            this.services = services;
        }

        @Override
        public List<ServerServiceDefinition> services() {
            return services;
        }

        @Override
        public void close() {
            events.add("close " + id);
        }
    }

    private static List<String> served(PluginRegistry reg) {
        return reg.grpcServices().stream().map(s -> s.getServiceDescriptor().getName()).toList();
    }

    @Test
    void grpcServicesOfEveryGrpcPluginAreServed() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(List.of(new DiscoveredPlugin(grpc("cri", "runtime.v1.RuntimeService", "runtime.v1.ImageService"), "builtin"),
                new DiscoveredPlugin(grpc("echo", "berth.test.Echo"), "/plugins/echo")));
        assertThat(served(reg)).containsExactly("runtime.v1.RuntimeService", "runtime.v1.ImageService", "berth.test.Echo");
        assertThat(reg.plugins()).extracting(PluginInfo::state).containsOnly(PluginState.OK);
    }

    @Test
    void aGrpcPluginWhoseServiceIsAlreadyServedIsRefusedAndClosed() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(List.of(new DiscoveredPlugin(grpc("cri", "runtime.v1.RuntimeService", "runtime.v1.ImageService"), "builtin"),
                new DiscoveredPlugin(grpc("impostor", "berth.test.Echo", "runtime.v1.ImageService"), "/plugins/impostor"),
                new DiscoveredPlugin(plugin("t.user", "u", Requirement.plugin(PluginTypes.GRPC, "impostor")), "builtin")));
        assertThat(served(reg)).containsExactly("runtime.v1.RuntimeService", "runtime.v1.ImageService");
        Map<String, PluginInfo> infos = byName(reg);
        assertThat(infos.get("io.berth.grpc.v1.impostor").state()).isEqualTo(PluginState.ERROR);
        assertThat(infos.get("io.berth.grpc.v1.impostor").reason())
                .isEqualTo("gRPC service runtime.v1.ImageService is already served by io.berth.grpc.v1.cri");
        assertThat(infos.get("io.berth.grpc.v1.cri").state()).isEqualTo(PluginState.OK);
        assertThat(infos.get("t.user.u").state()).isEqualTo(PluginState.SKIPPED);
        assertThat(events).containsExactly("init cri", "init impostor", "close impostor");
        assertThat(reg.instances(PluginTypes.GRPC, Object.class)).containsOnlyKeys("cri");
    }

    @Test
    void aRequiredGrpcPluginThatIsRefusedStopsStartup() {
        PluginRegistry reg = registry(Set.of(), Set.of("io.berth.grpc.v1.impostor"));
        assertThatThrownBy(() -> reg.start(builtin(grpc("cri", "runtime.v1.RuntimeService"), grpc("impostor", "runtime.v1.RuntimeService"))))
                .isInstanceOf(StartupException.class).hasMessage("required plugin io.berth.grpc.v1.impostor is error:"
                        + " gRPC service runtime.v1.RuntimeService is already served by io.berth.grpc.v1.cri");
        assertThat(events).containsExactly("init cri", "init impostor", "close impostor", "close cri");
    }

    @Test
    void aGrpcPluginOfferingOneNameTwiceOrNoServicesAtAllIsRefused() throws Exception {
        PluginRegistry reg = registry(Set.of(), Set.of());
        reg.start(builtin(grpc("twice", "a.B", "a.B"),
                Registration.builder(PluginTypes.GRPC, "plain").init(ctx -> "not a provider"),
                Registration.builder(PluginTypes.GRPC, "throwing").init(ctx -> (GrpcServiceProvider) () -> {
                    throw new IllegalStateException("no services today");
                }),
                grpc("fine", "a.B")));
        Map<String, PluginInfo> infos = byName(reg);
        assertThat(infos.get("io.berth.grpc.v1.twice").reason()).isEqualTo("gRPC service a.B is offered twice");
        assertThat(infos.get("io.berth.grpc.v1.plain").reason()).isEqualTo("a io.berth.grpc.v1 plugin's init must return a"
                + " dev.berth.core.plugin.GrpcServiceProvider, not a java.lang.String");
        assertThat(infos.get("io.berth.grpc.v1.throwing").reason()).isEqualTo("services(): no services today");
        assertThat(infos.get("io.berth.grpc.v1.fine").state()).isEqualTo(PluginState.OK);
        assertThat(served(reg)).containsExactly("a.B");
    }
}
