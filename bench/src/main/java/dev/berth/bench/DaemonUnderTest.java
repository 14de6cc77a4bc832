package dev.berth.bench;

import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.api.cri.v1.VersionResponse;
import dev.berth.core.client.UnixSocketChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One CRI daemon process (berthd or the peer) with a temp directory of its own holding its config, root, state,
 * socket and log, for one measurement. {@link #close()} kills it, unmounts whatever is still mounted under the
 * directory and removes the directory.
 */
final class DaemonUnderTest implements AutoCloseable {
    private final String name;
    private final Path dir;
    private final Path socket;
    private final Path log;
    private final Process process;
    private final int metricsPort;

    private DaemonUnderTest(String name, Path dir, Path socket, Path log, Process process, int metricsPort) {
        this.name = name;
        this.dir = dir;
        this.socket = socket;
        this.log = log;
        this.process = process;
        this.metricsPort = metricsPort;
    }

    /** Starts {@code command} with output to {@code dir/daemon.log}; {@code dir} becomes this daemon's to remove. */
    static DaemonUnderTest start(String name, Path dir, List<String> command, Path socket) throws IOException {
        return start(name, dir, command, socket, 0);
    }

    /** Like {@link #start(String, Path, List, Path)}, for a daemon serving Prometheus metrics on 127.0.0.1:{@code metricsPort}. */
    static DaemonUnderTest start(String name, Path dir, List<String> command, Path socket, int metricsPort) throws IOException {
        Path log = dir.resolve("daemon.log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new DaemonUnderTest(name, dir, socket, log, p, metricsPort);
        } catch (IOException e) {
            TempDirs.delete(dir);
            throw e;
        }
    }

    String name() {
        return name;
    }

    Path socket() {
        return socket;
    }

    /** The daemon's temp directory: its config, root, state and socket are inside. */
    Path dir() {
        return dir;
    }

    /** The daemon's metrics as Prometheus text, or null when it serves none (the peer). */
    String metrics() throws IOException, InterruptedException {
        return metricsPort == 0 ? null : DaemonMetrics.scrape(metricsPort);
    }

    long pid() {
        return process.pid();
    }

    /** Spins until the socket accepts a connection (the server is bound and listening). */
    void awaitListening(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            checkAlive();
            if (Files.exists(socket)) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    return;
                } catch (ConnectException e) {
                    // bound but not listening yet
                }
            }
            Thread.sleep(1);
        }
        throw new IOException(name + " did not listen on " + socket + " within " + timeoutMillis + " ms:\n" + log());
    }

    /**
     * Calls CRI {@code Version} until it succeeds: both daemons answer an error (UNAVAILABLE "not ready yet" in
     * berthd, "server is not initialized yet" in containerd) while their CRI service is still starting.
     */
    VersionResponse awaitVersion(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try (UnixSocketChannel ch = new UnixSocketChannel(socket)) {
            RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = RuntimeServiceGrpc.newBlockingStub(ch.channel());
            StatusRuntimeException last = null;
            while (System.nanoTime() < deadline) {
                checkAlive();
                try {
                    return stub.withDeadlineAfter(10, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                } catch (StatusRuntimeException e) {
                    last = e;
                }
                Thread.sleep(1);
            }
            throw new IOException(name + " answered no CRI Version within " + timeoutMillis + " ms (last: " + last + "):\n" + log());
        }
    }

    /** Resident set size of the daemon in bytes, from /proc. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for " + name + " (pid " + process.pid() + ")");
    }

    private void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException(name + " exited with " + process.exitValue() + ":\n" + log());
        }
    }

    /** The daemon's output so far (the last 4 KB). */
    String log() {
        try {
            String s = Files.exists(log) ? Files.readString(log) : "";
            return s.length() > 4096 ? "..." + s.substring(s.length() - 4096) : s;
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            // only processes this daemon started (and that outlived it), by pid
            child.destroyForcibly();
        }
        Mounts.unmountUnder(dir);
        TempDirs.delete(dir);
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + ", " + dir + "]";
    }
}
