package dev.berth.shim.runc.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Overlay layers on disk for checkpoint tests: whiteouts are real character devices 0:0 (so the tests need root, as
 * overlayfs does), opaque markers live in a map the tests hand over as the {@link XattrReader}.
 */
final class LayerFixture {
    final Map<Path, Map<String, byte[]>> xattrs = new HashMap<>();

    XattrReader reader() {
        return (p, name) -> xattrs.getOrDefault(p, Map.of()).get(name);
    }

    void opaque(Path dir) {
        xattrs.computeIfAbsent(dir, k -> new HashMap<>()).put(OverlayLayer.TRUSTED_OPAQUE, new byte[] {'y'});
    }

    static void assumeRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "overlay whiteouts are devices: needs root");
    }

    static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    /** A whiteout as overlayfs makes it: a character device 0:0. */
    static void whiteout(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        run("mknod", p.toString(), "c", "0", "0");
    }

    static void run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pr.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    /** A tar's entries by name, in order; each entry's content as a string in {@code contents}. */
    static Map<String, TarArchiveEntry> entries(InputStream in, Map<String, byte[]> contents) throws IOException {
        Map<String, TarArchiveEntry> out = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                out.put(e.getName(), e);
                if (e.isFile() && !e.isSymbolicLink() && !e.isLink() && contents != null) {
                    contents.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        return out;
    }
}
