package dev.berth.sandbox.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class CniConfTemplateTest {
    static final String TEMPLATE = """
            {"cniVersion": "1.0.0", "name": "pods", "plugins": [{"type": "bridge", "bridge": "cni0",
              "ipam": {"type": "host-local", "ranges": [{{.PodCIDRRanges}}], "subnet-hint": "{{ .PodCIDR }}"}}]}
            """;

    @Test
    void firstCidrAndHostLocalRangesOfAll() {
        String out = CniConfTemplate.render(TEMPLATE, List.of("10.244.1.0/24", "fd00:10:244:1::/64"), "t");
        CniConfList conf = CniConfList.parse(out, "out");
        JsonObject ipam = conf.plugins().get(0).getAsJsonObject("ipam");
        assertThat(ipam.get("subnet-hint").getAsString()).isEqualTo("10.244.1.0/24");
        assertThat(ipam.getAsJsonArray("ranges")).hasToString(
                "[[{\"subnet\":\"10.244.1.0/24\"}],[{\"subnet\":\"fd00:10:244:1::/64\"}]]");
        assertThat(out).doesNotContain("{{");
    }

    @Test
    void oneCidrIsOneRangeSet() {
        String out = CniConfTemplate.render(TEMPLATE, List.of("10.236.0.0/24"), "t");
        assertThat(out).contains("\"ranges\": [[{\"subnet\": \"10.236.0.0/24\"}]]", "\"subnet-hint\": \"10.236.0.0/24\"");
    }

    @Test
    void unknownPlaceholdersAreRefusedNamingTheTemplate() {
        assertThatThrownBy(() -> CniConfTemplate.render(TEMPLATE.replace("{{ .PodCIDR }}", "{{.PodCIDRs}}"),
                List.of("10.0.0.0/8"), "cni_conf_template /etc/t.conflist"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessage("cni_conf_template /etc/t.conflist: unknown placeholder {{.PodCIDRs}}; known: {{.PodCIDR}}, "
                        + "{{.PodCIDRRanges}}");
    }

    @Test
    void aResultThatIsNoConflistIsRefused() {
        assertThatThrownBy(() -> CniConfTemplate.render("{\"name\": \"x\", \"plugins\": [{{.PodCIDRRanges}}]}",
                List.of("10.0.0.0/8"), "cni_conf_template /t"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
                .hasMessageContaining("cni_conf_template /t (rendered)");
    }
}
