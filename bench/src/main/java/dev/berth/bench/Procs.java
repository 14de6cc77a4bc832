package dev.berth.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Processes found by scanning /proc: the per-container or per-pod monitors a daemon under test started (conmon,
 * containerd-shim-runc-v2), which re-parent themselves to init and so are not the daemon's descendants.
 */
final class Procs {
    /** One process: its pid and command line. */
    record Proc(long pid, List<String> argv) {
        /** The file name of argv[0]. */
        String name() {
            String a = argv.isEmpty() ? "" : argv.get(0);
            return a.substring(a.lastIndexOf('/') + 1);
        }

        /** The value after {@code flag} on the command line, or null. */
        String option(String flag) {
            int i = argv.indexOf(flag);
            return i >= 0 && i + 1 < argv.size() ? argv.get(i + 1) : null;
        }
    }

    private Procs() {
    }

    /** Processes whose argv[0] file name is {@code name} and whose command line contains {@code fragment}. */
    static List<Proc> named(String name, String fragment) throws IOException {
        List<Proc> found = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path d : dirs) {
                byte[] raw;
                try {
                    raw = Files.readAllBytes(d.resolve("cmdline"));
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                if (raw.length == 0) {
                    continue; // kernel thread or zombie
                }
                List<String> argv = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
                Proc p = new Proc(Long.parseLong(d.getFileName().toString()), argv);
                if (p.name().equals(name) && String.join(" ", argv).contains(fragment)) {
                    found.add(p);
                }
            }
        }
        return found;
    }

    /** VmRSS of {@code pid} in bytes; 0 when it has exited (or has no user memory). */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // exited
        }
        return 0;
    }

    /** SIGKILLs each process (by pid) and waits up to 10 s for all of them to go. */
    static void kill(List<Proc> procs) {
        List<ProcessHandle> handles = procs.stream().flatMap(p -> ProcessHandle.of(p.pid()).stream()).toList();
        handles.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (ProcessHandle h : handles) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                sleep(10);
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
