package dev.berth.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A berthd from the distribution with a temp root, state and socket, for one measurement. */
final class DaemonUnderTest implements AutoCloseable {
    private final Path dir;
    private final Process process;

    private DaemonUnderTest(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    static DaemonUnderTest launch(Path home) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "berth-bench-");
        Files.writeString(dir.resolve("config.toml"), String.join("\n",
                "version = 1",
                "root = \"" + dir.resolve("root") + "\"",
                "state = \"" + dir.resolve("state") + "\"",
                "plugin_dir = \"" + dir.resolve("plugins") + "\"",
                "[grpc]",
                "address = \"" + dir.resolve("berth.sock") + "\"",
                ""));
        Process p = new ProcessBuilder(home.resolve("bin/berthd").toString(), "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("berthd.log").toFile()).start();
        return new DaemonUnderTest(dir, p);
    }

    Path socket() {
        return dir.resolve("berth.sock");
    }

    long pid() {
        return process.pid();
    }

    /** Spins until the socket accepts a connection (the server is bound and listening). */
    void awaitListening(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("berthd exited: " + Files.readString(dir.resolve("berthd.log")));
            }
            if (Files.exists(socket())) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(socket()));
                    return;
                } catch (ConnectException e) {
                    // bound but not listening yet
                }
            }
            Thread.sleep(1);
        }
        throw new IOException("berthd did not listen within " + timeoutMillis + " ms");
    }

    /** Resident set size of the daemon in bytes, from /proc. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
