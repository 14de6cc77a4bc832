package dev.berth.itest;

import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.core.client.UnixSocketChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real berthd process from the built distribution, with its own temp root, state, socket and config. Its
 * output goes to a log file that tests read and that is printed when a test fails.
 */
public final class Berthd implements AutoCloseable {
    /** The distribution under test (dist/target/berth). */
    public static final Path HOME = Path.of(System.getProperty("berth.home", "../dist/target/berth")).toAbsolutePath().normalize();

    private final Path dir;
    private final Path log;
    private final Process process;
    private UnixSocketChannel channel;

    private Berthd(Path dir, Path log, Process process) {
        this.dir = dir;
        this.log = log;
        this.process = process;
    }

    /** Starts berthd with {@code config} (see {@link TestConfig}) without waiting for it. */
    public static Berthd launch(TestConfig config, String... extraArgs) throws IOException {
        Path configFile = config.write();
        Path log = config.dir().resolve("berthd.log");
        List<String> cmd = new ArrayList<>(config.launcher());
        cmd.addAll(List.of(HOME.resolve("bin/berthd").toString(), "--config", configFile.toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Berthd(config.dir(), log, p);
    }

    /** Starts berthd and waits until it answers CRI Version on its socket. */
    public static Berthd start(TestConfig config, String... extraArgs) throws IOException, InterruptedException {
        Berthd b = launch(config, extraArgs);
        try {
            b.awaitReady(Duration.ofSeconds(30));
        } catch (RuntimeException | IOException e) {
            b.close();
            throw e;
        }
        return b;
    }

    public Path socket() {
        return dir.resolve("run/berth.sock");
    }

    public Path dir() {
        return dir;
    }

    public Process process() {
        return process;
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("berthd exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket())) {
                try {
                    RuntimeServiceGrpc.newBlockingStub(channel().channel()).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .version(VersionRequest.getDefaultInstance());
                    return;
                } catch (io.grpc.StatusRuntimeException e) {
                    // not serving yet
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("berthd not ready after " + timeout + ":\n" + log());
    }

    /** A client channel to this daemon's socket, made once. */
    public synchronized UnixSocketChannel channel() {
        if (channel == null) {
            channel = new UnixSocketChannel(socket());
        }
        return channel;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel().channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public dev.berth.api.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub images() {
        return dev.berth.api.cri.v1.ImageServiceGrpc.newBlockingStub(channel().channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Everything the daemon printed so far. */
    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** Waits for the process to end by itself; returns its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("berthd still running after " + timeout);
        }
        return process.exitValue();
    }

    /** SIGTERM, then the exit status. */
    public int terminate() throws InterruptedException {
        closeChannel();
        process.destroy();
        return awaitExit(Duration.ofSeconds(30));
    }

    private synchronized void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /** Kills the daemon if still running (SIGKILL after a SIGTERM grace). */
    @Override
    public void close() {
        closeChannel();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
