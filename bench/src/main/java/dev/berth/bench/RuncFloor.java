package dev.berth.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The floor of the containers workload: {@code runc run -d} of one hand-made OCI bundle (the host's static busybox
 * and a {@code sleep} link; {@code runc spec} with args {@code sleep 3600}, no terminal, no network namespace, as a
 * container in a host-network pod has none of its own), each container under its own cgroup below the run's private
 * parent, timed from exec to exit of runc. {@link #close()} deletes every container it started ({@code runc delete -f})
 * and the directory.
 */
final class RuncFloor implements AutoCloseable {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final long RUNC_TIMEOUT_SECONDS = 60;

    private final Path dir;
    private final Path bundle;
    private final Path root;
    private final String cgroupParent;
    private final JsonObject spec;
    private final List<String> started = new ArrayList<>();

    private RuncFloor(Path dir, String cgroupParent, JsonObject spec) {
        this.dir = dir;
        this.bundle = dir.resolve("bundle");
        this.root = dir.resolve("runc");
        this.cgroupParent = cgroupParent;
        this.spec = spec;
    }

    /** The runc binary: {@code runc} on the PATH, else /usr/sbin/runc (root's PATH has it, others may not). */
    static String runc() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "runc"))) {
                return Path.of(d, "runc").toString();
            }
        }
        return "/usr/sbin/runc";
    }

    /** Prepares the bundle (not timed). */
    static RuncFloor prepare(String cgroupParent) throws IOException, InterruptedException {
        Path dir = TempDirs.create("runc");
        try {
            Path bundle = Files.createDirectories(dir.resolve("bundle"));
            Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
            Files.createDirectories(rootfs.resolve("bin"));
            Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"));
            Files.createSymbolicLink(rootfs.resolve("bin/sleep"), Path.of("busybox"));
            for (String d : List.of("proc", "dev", "sys", "tmp", "etc")) {
                Files.createDirectories(rootfs.resolve(d));
            }
            Files.createDirectories(dir.resolve("runc"));
            Tools.output(List.of(runc(), "spec", "--bundle", bundle.toString()), RUNC_TIMEOUT_SECONDS);
            JsonObject spec = JsonParser.parseString(Files.readString(bundle.resolve("config.json"))).getAsJsonObject();
            JsonObject process = spec.getAsJsonObject("process");
            process.addProperty("terminal", false);
            JsonArray args = new JsonArray();
            args.add("sleep");
            args.add("3600");
            process.add("args", args);
            JsonArray namespaces = spec.getAsJsonObject("linux").getAsJsonArray("namespaces");
            JsonArray kept = new JsonArray();
            for (JsonElement ns : namespaces) {
                if (!ns.getAsJsonObject().get("type").getAsString().equals("network")) {
                    kept.add(ns);
                }
            }
            spec.getAsJsonObject("linux").add("namespaces", kept);
            return new RuncFloor(dir, cgroupParent, spec);
        } catch (IOException | InterruptedException | RuntimeException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    /** Milliseconds from exec to exit of {@code runc run -d} of container {@code id}. */
    double runOnce(String id) throws IOException, InterruptedException {
        // each container its own cgroup below the run's parent (written before the clock starts)
        spec.getAsJsonObject("linux").addProperty("cgroupsPath", cgroupParent + "/" + id);
        Files.writeString(bundle.resolve("config.json"), new GsonBuilder().setPrettyPrinting().create().toJson(spec));
        File devNull = new File("/dev/null");
        Path err = dir.resolve("runc-" + id + ".err");
        ProcessBuilder pb = new ProcessBuilder(runc(), "--root", root.toString(), "run", "-d", "--bundle", bundle.toString(), id)
                .redirectInput(devNull).redirectOutput(devNull).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        started.add(id);
        if (!p.waitFor(RUNC_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IOException("runc run -d " + id + " did not finish within " + RUNC_TIMEOUT_SECONDS + " s");
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (p.exitValue() != 0) {
            throw new IOException("runc run -d " + id + " exited " + p.exitValue() + ": " + Files.readString(err));
        }
        Files.deleteIfExists(err);
        return ms;
    }

    /** RSS of the containers' processes is not measured: runc leaves no monitor behind, only the container's pid 1. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            for (String id : started) {
                try {
                    Tools.output(List.of(runc(), "--root", root.toString(), "delete", "-f", id), RUNC_TIMEOUT_SECONDS);
                } catch (IOException e) {
                    System.err.println("bench: runc delete -f " + id + ": " + e.getMessage().strip());
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
