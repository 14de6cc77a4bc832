package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs helper programs (skopeo, {@code berthd --version}, {@code containerd --version}) with a time bound. */
final class Tools {
    private Tools() {
    }

    /** Runs {@code cmd} to completion within {@code timeoutSeconds}; its output, or an exception unless it exits 0. */
    static String output(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("berth-bench-tool-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s:\n" + Files.readString(out));
            }
            String output = Files.readString(out);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Wall-clock milliseconds from exec of {@code cmd} to its successful exit. */
    static double timeMillis(List<String> cmd, long timeoutSeconds) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        output(cmd, timeoutSeconds);
        return (System.nanoTime() - t0) / 1e6;
    }
}
