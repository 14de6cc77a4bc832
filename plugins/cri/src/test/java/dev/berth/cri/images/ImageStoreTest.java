package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir
    Path dir;

    private static ImageRecord image(String id, List<String> tags, List<String> digests) {
        return new ImageRecord(id, tags, digests, "sha256:t" + id, "sha256:m" + id, 10, "", 1, "");
    }

    @Test
    void storesResolvesAndPersists() {
        try (ImageStore s = new ImageStore(dir.resolve("images.db"))) {
            s.put(image("sha256:a", List.of("x/y:1"), List.of("x/y@sha256:ta")));
        }
        try (ImageStore s = new ImageStore(dir.resolve("images.db"))) {
            assertThat(s.get("sha256:a")).get().extracting(ImageRecord::repoTags).isEqualTo(List.of("x/y:1"));
            assertThat(s.byName("x/y:1")).get().extracting(ImageRecord::id).isEqualTo("sha256:a");
            assertThat(s.byName("x/y@sha256:ta")).isPresent();
            assertThat(s.byName("x/y:2")).isEmpty();
        }
    }

    @Test
    void aTagMovesToTheNewlyPulledImage() {
        try (ImageStore s = new ImageStore(dir.resolve("images.db"))) {
            s.put(image("sha256:a", List.of("x/y:1", "x/y:latest"), List.of()));
            s.put(image("sha256:b", List.of("x/y:latest"), List.of()));
            assertThat(s.get("sha256:a").orElseThrow().repoTags()).containsExactly("x/y:1");
            assertThat(s.get("sha256:b").orElseThrow().repoTags()).containsExactly("x/y:latest");
        }
    }

    @Test
    void pullingAgainUnderAnotherNameAddsTheName() {
        try (ImageStore s = new ImageStore(dir.resolve("images.db"))) {
            s.put(image("sha256:a", List.of("x/y:1"), List.of("x/y@sha256:ta")));
            ImageRecord merged = s.put(image("sha256:a", List.of("x/z:2"), List.of("x/z@sha256:ta")));
            assertThat(merged.repoTags()).containsExactly("x/y:1", "x/z:2");
            assertThat(merged.repoDigests()).containsExactly("x/y@sha256:ta", "x/z@sha256:ta");
            assertThat(s.list()).hasSize(1);
        }
    }

    @Test
    void renameAndRemove() {
        try (ImageStore s = new ImageStore(dir.resolve("images.db"))) {
            s.put(image("sha256:a", List.of("x/y:1", "x/y:2"), List.of()));
            s.rename("sha256:a", List.of("x/y:2"), List.of());
            assertThat(s.byName("x/y:1")).isEmpty();
            s.remove("sha256:a");
            s.remove("sha256:a");
            assertThat(s.list()).isEmpty();
        }
    }
}
