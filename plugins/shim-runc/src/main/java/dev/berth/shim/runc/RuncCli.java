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
 */
public final class RuncCli {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
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
        return runner.run(cmd("start", id), Map.of(), null, TIMEOUT);
    }

    /** Sends {@code signal}; with {@code all}, to every process of the container (needed in the host pid ns). */
    public ProcessRunner.Result kill(String id, int signal, boolean all) {
        List<String> c = cmd("kill");
        if (all) {
            c.add("--all");
        }
        c.add(id);
        c.add(Integer.toString(signal));
        return runner.run(c, Map.of(), null, TIMEOUT);
    }

    /** {@code runc delete --force}: kills what is left and removes runc's state; fine if runc never knew the id. */
    public ProcessRunner.Result deleteForce(String id) {
        return runner.run(cmd("delete", "--force", id), Map.of(), null, TIMEOUT);
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

    private List<String> cmd(String... args) {
        List<String> c = new ArrayList<>(List.of(runc.toString(), "--root", root.toString()));
        c.addAll(List.of(args));
        return c;
    }
}
