package dev.berth.core.sys;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sandbox.UserNamespace;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Makes a user namespace with given id mappings, and other namespaces owned by it, each pinned by a bind mount of its
 * nsfs file. A multi-threaded process such as the JVM may not unshare a user namespace, so one short-lived
 * {@code unshare(1)} does it: it makes the namespaces in one call (so they belong to the new user namespace), says
 * so on stdout and waits; meanwhile the daemon, root on the host, writes the mappings, pins the namespaces and then
 * closes the helper's stdin, which ends it. Nothing of it outlives the call.
 */
public final class UserNamespaces {
    /** The kinds that may be made inside the new user namespace, by their {@code unshare(1)} flag. */
    private static final Map<String, String> FLAGS = Map.of("net", "--net", "ipc", "--ipc", "uts", "--uts");
    private static final long EXIT_WAIT_MS = 5_000;

    private UserNamespaces() {
    }

    /**
     * Pins a new user namespace with {@code ids}'s mappings on {@code userPin}, and a new namespace of each kind in
     * {@code others} (net, ipc, uts) owned by it on the given file. Pin files are created when missing. On failure
     * nothing stays pinned and the helper is gone.
     *
     * @throws BerthException INTERNAL carrying the kernel's or unshare's reason
     */
    public static void create(UserNamespace ids, Path userPin, Map<String, Path> others) {
        Map<String, Path> pins = new LinkedHashMap<>();
        pins.put("user", userPin);
        pins.putAll(others);
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user"));
        for (String kind : others.keySet()) {
            String flag = FLAGS.get(kind);
            if (flag == null) {
                throw new IllegalArgumentException("no " + kind + " namespace inside a user namespace");
            }
            cmd.add(flag);
        }
        cmd.addAll(List.of("--", "/bin/sh", "-c", "echo ready; read x"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(new File("/"))
                .redirectError(ProcessBuilder.Redirect.PIPE);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Process helper;
        try {
            helper = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot start unshare(1) for a user namespace: "
                    + e.getMessage(), e);
        }
        List<Path> pinned = new ArrayList<>();
        try {
            awaitReady(helper);
            long pid = helper.pid();
            write(Path.of("/proc/" + pid + "/uid_map"), UserNamespace.procMap(ids.uids()));
            write(Path.of("/proc/" + pid + "/gid_map"), UserNamespace.procMap(ids.gids()));
            SysCalls sys = SysCalls.get();
            for (Map.Entry<String, Path> p : pins.entrySet()) {
                Files.createDirectories(p.getValue().getParent());
                if (!Files.exists(p.getValue())) {
                    Files.createFile(p.getValue()); // a bind mount needs an existing file to cover
                }
                sys.mount("/proc/" + pid + "/ns/" + p.getKey(), p.getValue(), null, SysCalls.MS_BIND, null,
                        "pin the " + p.getKey() + " namespace on " + p.getValue());
                pinned.add(p.getValue());
            }
        } catch (IOException | RuntimeException e) {
            for (Path p : pinned) {
                try {
                    SysCalls.get().unmount(p);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            helper.destroyForcibly();
            throw e instanceof BerthException b ? b : new BerthException(ErrorKind.INTERNAL,
                    "cannot create a user namespace: " + e.getMessage(), e);
        } finally {
            end(helper);
        }
    }

    private static void awaitReady(Process helper) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine(); // the helper prints it only after unshare(2) succeeded
        if (!"ready".equals(line)) {
            String err = new String(helper.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new BerthException(ErrorKind.INTERNAL, "unshare(1) could not make a user namespace: "
                    + (err.isEmpty() ? "it printed " + line : err));
        }
    }

    /** The kernel takes a mapping in one write(2); a second write is refused. */
    private static void write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void end(Process helper) {
        try {
            helper.getOutputStream().close(); // EOF for its read: it exits
            if (!helper.waitFor(EXIT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                helper.destroyForcibly().waitFor(EXIT_WAIT_MS, TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            helper.destroyForcibly();
        } catch (InterruptedException e) {
            helper.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
