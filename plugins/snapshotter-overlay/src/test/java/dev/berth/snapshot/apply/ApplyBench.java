package dev.berth.snapshot.apply;

import dev.berth.core.diff.ApplyOptions;
import dev.berth.core.diff.ApplyResult;
import dev.berth.core.diff.LayerMediaTypes;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Compares {@link TarApplier} with {@code tar -xzf} on a generated ~100 MB gzip layer of many files. A manual tool,
 * not a test (speed is never asserted in tests):
 * <pre>
 * mvn -o -q -pl plugins/snapshotter-overlay test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java -cp plugins/snapshotter-overlay/target/test-classes:plugins/snapshotter-overlay/target/classes:$(cat /tmp/cp.txt) \
 *      dev.berth.snapshot.apply.ApplyBench [workdir] [MB] [runs]
 * </pre>
 */
public final class ApplyBench {
    private ApplyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "/var/tmp/berth-apply-bench"));
        long targetBytes = (args.length > 1 ? Long.parseLong(args[1]) : 100) << 20;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path layer = work.resolve("layer.tar.gz");
        long uncompressed = generate(layer, targetBytes);
        long compressed = Files.size(layer);
        System.out.printf("layer: %.1f MB uncompressed, %.1f MB gzip%n", uncompressed / 1e6, compressed / 1e6);

        TarApplier applier = new TarApplier();
        timeApplier(applier, layer, work.resolve("warmup")); // JIT warm-up, not reported
        List<Double> tar = new ArrayList<>();
        List<Double> java = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            tar.add(timeTar(layer, work.resolve("tar-" + i)));
            java.add(timeApplier(applier, layer, work.resolve("java-" + i)));
        }
        double tarMedian = median(tar);
        double javaMedian = median(java);
        System.out.printf("tar -xzf   : median %.2f s = %.0f MB/s uncompressed (runs %s)%n", tarMedian,
                uncompressed / 1e6 / tarMedian, tar);
        System.out.printf("TarApplier : median %.2f s = %.0f MB/s uncompressed (runs %s)%n", javaMedian,
                uncompressed / 1e6 / javaMedian, java);
        System.out.printf("ratio TarApplier/tar throughput: %.2f%n", tarMedian / javaMedian);
    }

    private static double timeTar(Path layer, Path dir) throws Exception {
        Files.createDirectories(dir);
        sync();
        long start = System.nanoTime();
        Process p = new ProcessBuilder("tar", "-xzf", layer.toString(), "-C", dir.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }
        double s = (System.nanoTime() - start) / 1e9;
        ContainedTree.removeRecursively(dir);
        return Math.round(s * 100) / 100.0;
    }

    private static double timeApplier(TarApplier applier, Path layer, Path dir) throws Exception {
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
        ContainedTree.removeRecursively(dir);
        return Math.round(s * 100) / 100.0;
    }

    private static void sync() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
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
