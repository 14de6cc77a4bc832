package dev.berth.bench;

import dev.berth.itest.registry.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

/**
 * The pull workload's image, built with the itest fixtures: the 3-layer busybox test image plus two layers of one
 * ~57 MB file each, 5 gzip layers and about 100 MB compressed in all. The big files are seeded random 7-bit bytes
 * (TestImages takes file content as a String, so ASCII keeps one byte per char): gzip gets them down to about 88 %,
 * nothing like the ratio of real binaries, so the bytes on the wire are close to the bytes unpacked.
 */
final class BigImage {
    static final int BIG_LAYER_BYTES = 57_000_000;

    private BigImage() {
    }

    static TestImages.Layout build(Path dir) throws IOException {
        Random random = new Random(20261125L);
        TestImages.Layout layout = TestImages.busybox().marker("berth-bench")
                .extraLayer("bench/a.bin", randomAscii(random, BIG_LAYER_BYTES))
                .extraLayer("bench/b.bin", randomAscii(random, BIG_LAYER_BYTES))
                .build(dir, "1");
        int layers = layout.host().layers().size();
        if (layers != 5) {
            throw new IllegalStateException("expected a 5-layer image, TestImages built " + layers + " layers");
        }
        return layout;
    }

    private static String randomAscii(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        for (int i = 0; i < b.length; i++) {
            b[i] &= 0x7f;
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
