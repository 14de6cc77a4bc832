package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.sandbox.cni.CniConfList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodCidrsTest {
    static final String TEMPLATE = "{\"cniVersion\": \"1.0.0\", \"name\": \"pods\", \"plugins\": [{\"type\": \"bridge\","
            + " \"ipam\": {\"type\": \"host-local\", \"subnet\": \"{{.PodCIDR}}\"}}]}";

    @TempDir
    Path dir;

    @Test
    void renderedIntoTheConfDirKeptAndRenderedAgainAfterARestart() throws Exception {
        Path template = Files.writeString(dir.resolve("template.conflist"), TEMPLATE);
        Path confDir = dir.resolve("net.d");
        PodCidrs cidrs = new PodCidrs(dir, template, confDir);
        assertThat(cidrs.current()).isEmpty();
        assertThat(cidrs.waitingForCidrs()).isTrue();
        assertThat(CniConfList.loadFirst(confDir)).isEmpty();

        cidrs.update(List.of("10.236.0.0/24", "fd00:236::/64"));
        assertThat(cidrs.waitingForCidrs()).isFalse();
        assertThat(Files.readString(confDir.resolve(PodCidrs.RENDERED))).contains("\"subnet\": \"10.236.0.0/24\"");
        assertThat(CniConfList.loadFirst(confDir)).map(CniConfList::name).contains("pods");
        assertThat(Files.readAllLines(dir.resolve(PodCidrs.STORED))).containsExactly("10.236.0.0/24", "fd00:236::/64");
        try (Stream<Path> files = Files.list(confDir)) {
            assertThat(files).as("no temp file left").containsExactly(confDir.resolve(PodCidrs.RENDERED));
        }

        // the next run renders the (changed) template with the kept CIDRs, before any UpdateRuntimeConfig
        Files.delete(confDir.resolve(PodCidrs.RENDERED));
        Files.writeString(template, TEMPLATE.replace("\"pods\"", "\"pods2\""));
        PodCidrs again = new PodCidrs(dir, template, confDir);
        assertThat(again.current()).containsExactly("10.236.0.0/24", "fd00:236::/64");
        assertThat(CniConfList.loadFirst(confDir)).map(CniConfList::name).contains("pods2");
    }

    @Test
    void withoutATemplateTheCidrsAreOnlyKept() throws Exception {
        Path confDir = dir.resolve("net.d");
        PodCidrs cidrs = new PodCidrs(dir, null, confDir);
        assertThat(cidrs.waitingForCidrs()).isFalse();
        cidrs.update(List.of("10.236.0.0/24"));
        assertThat(confDir).doesNotExist();
        assertThat(new PodCidrs(dir, null, confDir).current()).containsExactly("10.236.0.0/24");
    }

    @Test
    void aBrokenTemplateChangesNothing() throws Exception {
        Path template = Files.writeString(dir.resolve("template.conflist"), TEMPLATE);
        Path confDir = dir.resolve("net.d");
        PodCidrs cidrs = new PodCidrs(dir, template, confDir);
        cidrs.update(List.of("10.236.0.0/24"));
        Files.writeString(template, "{ not json {{.PodCIDR}}");
        assertThatThrownBy(() -> cidrs.update(List.of("10.237.0.0/24"))).isInstanceOf(BerthException.class)
                .hasMessageContaining("cni_conf_template " + template);
        assertThat(cidrs.current()).containsExactly("10.236.0.0/24");
        assertThat(Files.readString(confDir.resolve(PodCidrs.RENDERED))).contains("10.236.0.0/24");
    }

    @Test
    void aMissingTemplateFailsAtStartNamingTheKey() {
        Path missing = dir.resolve("nope.conflist");
        assertThatThrownBy(() -> new PodCidrs(dir, missing, dir.resolve("net.d"))).isInstanceOf(BerthException.class)
                .hasMessage("cni_conf_template = \"" + missing + "\": no such file");
    }
}
