package dev.berth.shim.runc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.process.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runc commands the shim runs itself (conmon runs {@code create}). Every call passes {@code --root} so the shim's
 * containers live apart from anyone else's runc state; the command line is runc's public one, which crun shares.
 * {@code start}, {@code kill} and {@code delete}, which only report success or an error, are spawned directly and
 * awaited on their output pipe ({@link PosixSpawn#run}): StartContainer returns the moment runc start exits, without
 * a helper exec and two reader threads per call.
 */
public final class RuncCli {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** What is kept of a short command's output: its error message. */
    private static final int MAX_OUTPUT = 64 << 10;
    private final Path runc;
    private final Path root;
    private final ProcessRunner runner;

    public RuncCli(Path runc, Path root, ProcessRunner runner) {
        this.runc = runc;
        this.root = root;
        this.runner = runner;
    }

    /** What {@code runc state} reports: "created", "running", "paused" or "stopped", and the init pid. */
    public record State(String status, long pid) {
    }

    public ProcessRunner.Result start(String id) {
        return spawned(cmd("start", id));
    }

    /** Sends {@code signal}; with {@code all}, to every process of the container (needed in the host pid ns). */
    public ProcessRunner.Result kill(String id, int signal, boolean all) {
        List<String> c = cmd("kill");
        if (all) {
            c.add("--all");
        }
        c.add(id);
        c.add(Integer.toString(signal));
        return spawned(c);
    }

    /** {@code runc delete --force}: kills what is left and removes runc's state; fine if runc never knew the id. */
    public ProcessRunner.Result deleteForce(String id) {
        return spawned(cmd("delete", "--force", id));
    }

    /** The container's state, or empty when runc does not know it. */
    public Optional<State> state(String id) {
        ProcessRunner.Result r = runner.run(cmd("state", id), Map.of(), null, TIMEOUT);
        if (!r.ok()) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonParser.parseString(r.stdout()).getAsJsonObject();
            return Optional.of(new State(o.get("status").getAsString(), o.has("pid") ? o.get("pid").getAsLong() : 0));
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            throw new BerthException(ErrorKind.INTERNAL, "runc state " + id + " printed unreadable JSON: " + r.stdout());
        }
    }

    /** Applies the {@code linux.resources} JSON in {@code resourcesFile}. */
    public void update(String id, Path resourcesFile) {
        ProcessRunner.Result r = runner.run(cmd("update", "--resources", resourcesFile.toString(), id), Map.of(),
                null, TIMEOUT);
        if (!r.ok()) {
            throw new BerthException(ErrorKind.INTERNAL, "runtime refused to update container " + id + ": "
                    + r.message());
        }
    }

    /**
     * {@code runc checkpoint --leave-running}: CRIU dumps the container's processes into {@code images} and writes its
     * dump.log and stats-dump into {@code work}; the container runs on. {@code env} lets the runtime find CRIU.
     */
    public ProcessRunner.Result checkpoint(String id, Path images, Path work, Map<String, String> env,
                                           Duration timeout) {
        return runner.run(cmd("checkpoint", "--image-path", images.toString(), "--work-path", work.toString(),
                "--leave-running", id), env, null, timeout);
    }

    /** {@code runc resume}: thaws a container a failed checkpoint left frozen. */
    public ProcessRunner.Result resume(String id) {
        return runner.run(cmd("resume", id), Map.of(), null, TIMEOUT);
    }

    /** The command line of {@code runc exec} for {@code command}, writing the exec'd process's pid to pidFile. */
    public List<String> execCommand(String id, Path pidFile, List<String> command) {
        return execCommand(id, pidFile, command, false);
    }

    /** As {@link #execCommand(String, Path, List)}; with {@code tty}, the process gets a terminal ({@code -t}). */
    public List<String> execCommand(String id, Path pidFile, List<String> command, boolean tty) {
        List<String> c = cmd("exec", "--pid-file", pidFile.toString());
        if (tty) {
            c.add("-t");
        }
        c.add(id);
        c.addAll(command);
        return c;
    }

    /** {@code runc exec} of the process described by {@code processFile} (see {@link ExecProcessSpec}). */
    public List<String> execProcessCommand(String id, Path pidFile, Path processFile) {
        List<String> c = cmd("exec", "--pid-file", pidFile.toString(), "--process", processFile.toString());
        c.add(id);
        return c;
    }

    /** Runs a command whose output is only an error message; stdout and stderr come back together as stderr. */
    private ProcessRunner.Result spawned(List<String> command) {
        try {
            PosixSpawn.Outcome o = PosixSpawn.get().run(command, System.getenv(), System.nanoTime() + TIMEOUT.toNanos(),
                    MAX_OUTPUT);
            return new ProcessRunner.Result(o.exit(), "", o.output());
        } catch (java.io.IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, String.join(" ", command.subList(3, command.size()))
                    + " did not finish within " + TIMEOUT.toSeconds() + " s and was killed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while running " + command.get(0));
        }
    }

    private List<String> cmd(String... args) {
        List<String> c = new ArrayList<>(List.of(runc.toString(), "--root", root.toString()));
        c.addAll(List.of(args));
        return c;
    }
}
