package dev.berth.bench;

import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.ApplyResult;
import dev.berth.core.diff.LayerMediaTypes;
import dev.berth.snapshot.apply.TarApplier;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Unpack throughput: berth's layer applier against {@code tar -xzf} (the floor) on one generated ~100 MB gzip
 * layer of many files, on the same disk, interleaved, page cache flushed with {@code sync} before each run.
 * MB/s of uncompressed bytes. Issue 3's target: at least 0.8x tar.
 */
final class Unpack {
    private static final long LAYER_BYTES = 100L << 20;

    private Unpack() {
    }

    static void run(Report report, int runs) throws Exception {
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "berth-bench-unpack-");
        try {
            Path layer = work.resolve("layer.tar.gz");
            long uncompressed = generate(layer, LAYER_BYTES);
            TarApplier applier = new TarApplier();
            timeApplier(applier, layer, work.resolve("warmup"), uncompressed); // JIT warm-up, not reported
            List<Double> berth = new ArrayList<>();
            List<Double> tar = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                tar.add(timeTar(layer, work.resolve("tar-" + i), uncompressed));
                berth.add(timeApplier(applier, layer, work.resolve("berth-" + i), uncompressed));
            }
            Stats b = Stats.of(berth);
            Stats t = Stats.of(tar);
            report.add(new Result("unpack ~100 MB gzip layer", "MB/s", Result.Better.HIGHER, b, null, t,
                    String.format(Locale.ROOT, ">= %.1f", 0.8 * t.p50())));
            report.note(String.format(Locale.ROOT, "unpack: %.1f MB uncompressed (%.1f MB gzip), ~%d files, in %s; "
                            + "floor = `tar -xzf` of the same file; target = 0.8x the floor's p50; berth/tar = %.2f",
                    uncompressed / 1048576.0, Files.size(layer) / 1048576.0, uncompressed / (33 << 10), work,
                    b.p50() / t.p50()));
        } finally {
            TempDirs.delete(work);
        }
    }

    private static double timeTar(Path layer, Path dir, long bytes) throws Exception {
        Files.createDirectories(dir);
        sync();
        long start = System.nanoTime();
        Process p = new ProcessBuilder("tar", "-xzf", layer.toString(), "-C", dir.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }
        double s = (System.nanoTime() - start) / 1e9;
        TempDirs.delete(dir);
        return bytes / 1048576.0 / s;
    }

    private static double timeApplier(TarApplier applier, Path layer, Path dir, long bytes) throws Exception {
        Files.createDirectories(dir);
        sync();
        long start = System.nanoTime();
        ApplyResult result;
        try (InputStream in = Files.newInputStream(layer)) {
            result = applier.apply(in, LayerMediaTypes.OCI_TAR_GZIP, dir, ApplyOptions.OVERLAY);
        }
        double s = (System.nanoTime() - start) / 1e9;
        if (result.entries() == 0) {
            throw new IllegalStateException("nothing applied");
        }
        TempDirs.delete(dir);
        return bytes / 1048576.0 / s;
    }

    private static void sync() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    /** Text-like files (about 3:1 under gzip) of 1–64 KiB, 100 per directory, plus a few large ones. */
    private static long generate(Path layer, long targetBytes) throws IOException {
        Random random = new Random(42);
        String[] words = new String[4096];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            int len = 2 + random.nextInt(9);
            for (int j = 0; j < len; j++) {
                w.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = w.append(random.nextInt(8) == 0 ? '\n' : ' ').toString();
        }
        long written = 0;
        FileTime mtime = FileTime.fromMillis(1_600_000_000_000L);
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(layer), 1 << 16);
             GZIPOutputStream gz = new GZIPOutputStream(file, 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            int dirs = 0;
            int files = 0;
            while (written < targetBytes) {
                String dir = "usr/share/d" + dirs++ + "/";
                TarArchiveEntry d = new TarArchiveEntry(dir);
                d.setModTime(mtime);
                tar.putArchiveEntry(d);
                tar.closeArchiveEntry();
                for (int i = 0; i < 100 && written < targetBytes; i++, files++) {
                    int size = files % 500 == 0 ? 4 << 20 : 1024 + random.nextInt(63 * 1024);
                    byte[] data = new byte[size];
                    int pos = 0;
                    while (pos < size) {
                        byte[] w = words[random.nextInt(words.length)].getBytes();
                        int n = Math.min(w.length, size - pos);
                        System.arraycopy(w, 0, data, pos, n);
                        pos += n;
                    }
                    TarArchiveEntry f = new TarArchiveEntry(dir + "f" + i + ".txt");
                    f.setSize(size);
                    f.setMode(0644);
                    f.setModTime(mtime);
                    tar.putArchiveEntry(f);
                    tar.write(data);
                    tar.closeArchiveEntry();
                    written += size;
                }
            }
            tar.finish();
        }
        return written;
    }
}
