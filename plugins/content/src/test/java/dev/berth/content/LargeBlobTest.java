package dev.berth.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.content.Info;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large blobs take the native digest path when NSS is installed: commit, resume and mismatch still hold. */
class LargeBlobTest {
    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void largeBlobsCommitResumeAndMismatch() throws Exception {
        Path root = dir.resolve("store");
        byte[] data = random(5 << 20, 1);
        Digest d = Digest.sha256(data);
        LocalContentStore store = LocalContentStore.open(root, new MutableClock(Instant.parse("2024-05-01T10:00:00Z")));
        try {
            Writer w = store.writer("big", data.length, d);
            w.write(ByteBuffer.wrap(data, 0, 2_000_000));
            assertThat(w.digest()).isEqualTo(Digest.sha256(Arrays.copyOf(data, 2_000_000)));
            w.close(); // keeps the ingest: the next writer resumes and replays its digest from disk
            try (Writer r = store.writer("big", data.length, d)) {
                assertThat(r.offset()).isEqualTo(2_000_000);
                r.write(ByteBuffer.wrap(data, 2_000_000, data.length - 2_000_000));
                Info info = r.commit(data.length, d, Map.of());
                assertThat(info.digest()).isEqualTo(d);
            }
            assertThat(Files.readAllBytes(root.resolve("blobs/sha256/" + d.hex()))).isEqualTo(data);

            byte[] other = random(2 << 20, 2);
            try (Writer u = store.writer("unknown-size", -1, null)) {
                u.write(ByteBuffer.wrap(other));
                assertThat(u.commit(-1, null, Map.of()).digest()).isEqualTo(Digest.sha256(other));
            }

            byte[] bad = random(2 << 20, 3);
            Digest expected = Digest.sha256(random(2 << 20, 4));
            try (Writer b = store.writer("bad", bad.length, expected)) {
                b.write(ByteBuffer.wrap(bad));
                assertThatThrownBy(() -> b.commit(bad.length, expected, Map.of()))
                        .isInstanceOfSatisfying(BerthException.class, e -> {
                            assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
                            assertThat(e.getMessage()).contains(Digest.sha256(bad).toString());
                        });
            }
            assertThat(store.ingests()).isEmpty();
        } finally {
            store.close();
        }
    }
}
