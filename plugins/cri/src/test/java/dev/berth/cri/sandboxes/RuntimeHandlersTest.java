package dev.berth.cri.sandboxes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class RuntimeHandlersTest {
    private static RuntimeHandlers from(String hocon) {
        Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseString("default_runtime_name = runc"));
        return RuntimeHandlers.from(c);
    }

    @Test
    void withNothingConfiguredRuncIsTheDefaultAndUsesPodsandbox() {
        RuntimeHandlers h = from("runtimes {}");
        assertThat(h.resolve("")).isEqualTo(new RuntimeHandler("runc", "podsandbox", "runc"));
        assertThat(h.resolve("runc")).isEqualTo(new RuntimeHandler("runc", "podsandbox", "runc"));
        assertThat(h.names()).containsExactly("runc");
        assertThat(RuntimeHandlers.from(ConfigFactory.empty()).defaultHandler().name()).isEqualTo("runc");
    }

    @Test
    void configuredHandlersResolveAndTheTemplateIsNoHandler() {
        RuntimeHandlers h = from("runtimes { \"<name>\" { sandboxer = podsandbox }, kata { sandboxer = vm }, crun {} }");
        assertThat(h.resolve("kata")).isEqualTo(new RuntimeHandler("kata", "vm", "runc"));
        assertThat(h.resolve("crun")).isEqualTo(new RuntimeHandler("crun", "podsandbox", "runc"));
        assertThat(h.names()).containsExactly("runc", "crun", "kata");
        assertThatThrownBy(() -> h.resolve("<name>")).hasMessageContaining("unknown runtime handler");
    }

    @Test
    void aUserRuncEntryReplacesTheBuiltIn() {
        RuntimeHandlers h = from("runtimes { runc { sandboxer = other } }");
        assertThat(h.resolve("")).isEqualTo(new RuntimeHandler("runc", "other", "runc"));
    }

    @Test
    void theDefaultCanBeAnotherHandler() {
        RuntimeHandlers h = from("default_runtime_name = crun, runtimes { crun { sandboxer = podsandbox } }");
        assertThat(h.resolve("").name()).isEqualTo("crun");
        assertThat(h.names()).containsExactly("crun", "runc");
    }

    @Test
    void unknownHandlersAreInvalidArgumentListingTheConfiguredOnes() {
        RuntimeHandlers h = from("runtimes { kata { sandboxer = vm } }");
        assertThatThrownBy(() -> h.resolve("x"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessage("unknown runtime handler \"x\"; configured: runc, kata");
    }

    @Test
    void podInfraIsPauselessUnlessAHandlerAsksForTheImage() {
        RuntimeHandlers h = from("runtimes { pause { pod_infra = image }, plain { pod_infra = pauseless }, other {} }");
        assertThat(h.resolve("pause").podInfra()).isEqualTo(RuntimeHandler.PodInfra.IMAGE);
        assertThat(h.resolve("plain").podInfra()).isEqualTo(RuntimeHandler.PodInfra.PAUSELESS);
        assertThat(h.resolve("other").podInfra()).isEqualTo(RuntimeHandler.PodInfra.PAUSELESS);
        assertThat(h.resolve("runc").podInfra()).isEqualTo(RuntimeHandler.PodInfra.PAUSELESS);
        assertThatThrownBy(() -> from("runtimes { pause { pod_infra = Image } }"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessage("runtimes.\"pause\".pod_infra = \"Image\": want \"pauseless\" (namespaces held without a"
                        + " process) or \"image\" (an infra container from sandbox_image)");
    }

    @Test
    void badConfigIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> from("default_runtime_name = nope"))
                .hasMessage("default_runtime_name \"nope\" is not a configured runtime; configured: runc");
        assertThatThrownBy(() -> from("runtimes { kata = 3 }")).hasMessageContaining("runtimes.\"kata\": expected a table");
        assertThatThrownBy(() -> from("runtimes { kata { sandboxer = \"\" } }"))
                .hasMessageContaining("runtimes.\"kata\".sandboxer must not be empty");
    }
}
