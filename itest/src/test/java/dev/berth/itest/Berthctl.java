package dev.berth.itest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code bin/berthctl} (or another tool of the distribution) as a separate process, as an operator would. */
public final class Berthctl {
    /** Exit status and everything printed (stdout and stderr together). */
    public record Result(int exitCode, String output) {
    }

    private Berthctl() {
    }

    public static Result run(String... args) throws IOException, InterruptedException {
        return tool("berthctl", args);
    }

    /** Runs {@code bin/<name>} with {@code args} to completion (at most a minute). */
    public static Result tool(String name, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Berthd.HOME.resolve("bin/" + name).toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(name + " " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
