package dev.berth.shim.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Small reads of /proc and pid files, for liveness checks that must stay cheap enough for every status call. */
final class ProcFs {
    private ProcFs() {
    }

    /**
     * Whether {@code pid} is a live (not zombie) process whose command line contains {@code mustContain}: pids are
     * reused, so a bare {@code kill -0} could take a stranger for our conmon.
     */
    static boolean alive(long pid, String mustContain) {
        if (pid <= 0) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) == 'Z'
                    || stat.charAt(close + 2) == 'X') {
                return false;
            }
            if (mustContain == null) {
                return true;
            }
            byte[] cmd = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmd, StandardCharsets.UTF_8).contains(mustContain);
        } catch (IOException e) {
            return false;
        }
    }

    /** The number in a pid file, if it exists and holds one. */
    static Optional<Long> readPid(Path file) {
        try {
            String s = Files.readString(file).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Sends SIGKILL to {@code pid} if it is alive and its command line contains {@code mustContain}. */
    static void kill(long pid, String mustContain) {
        if (alive(pid, mustContain)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
