package dev.berth.core.mount;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Performs {@link Mount}s: with mount(2) and umount2(2) from the JVM when the mount allows it (see {@link MountCall}),
 * an overlay whose absolute layer paths exceed the one-page option limit ({@value #MAX_DATA} bytes) with the new mount
 * API on Linux 6.8+ ({@link OverlayFsConfig}), otherwise by running {@code /bin/mount}. The helper process remains for
 * such overlays on older kernels, which name their layers relative to {@link Mount#baseDir()} to fit the limit: only
 * a child process can run from that directory ({@code chdir} would move the whole daemon); and for propagation
 * changes. A daemon that makes a mount per container start saves a fork and exec each time.
 */
public final class Mounts {
    /** The kernel copies at most one page of mount options, terminating NUL included. */
    public static final int MAX_DATA = 4095;
    private static final String MOUNT = "/bin/mount";
    private static final long TIMEOUT_SECONDS = 120;

    private Mounts() {
    }

    /**
     * Mounts {@code mounts} on {@code target}, in order (each later one on top of the earlier ones). If one fails,
     * those already made are unmounted again.
     *
     * @throws BerthException INVALID_ARGUMENT when a mount's options exceed {@value #MAX_DATA} bytes; INTERNAL
     *                        with mount's message when mount fails
     */
    public static void mount(List<Mount> mounts, Path target) {
        Path abs = target.toAbsolutePath();
        int done = 0;
        try {
            for (Mount m : mounts) {
                mount(m, abs);
                done++;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < done; i++) {
                try {
                    unmount(abs);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Mounts one {@link Mount} on {@code target}. */
    public static void mount(Mount m, Path target) {
        String data = m.data();
        if (data.getBytes(StandardCharsets.UTF_8).length > MAX_DATA) {
            throw BerthException.invalidArgument("%s mount options are %d bytes, over the kernel's limit of %d",
                    m.type(), data.length(), MAX_DATA);
        }
        Mount resolved = m.resolved();
        if (MountCall.direct(resolved)) {
            MountCall.mount(resolved, target.toAbsolutePath());
            return;
        }
        if (OverlayFsConfig.handles(resolved) && OverlayFsConfig.mount(resolved, target.toAbsolutePath())) {
            return;
        }
        mountWithHelper(m, target);
    }

    /** Runs mount(8) for {@code m}, from its {@link Mount#baseDir()} when it has one. */
    static void mountWithHelper(Mount m, Path target) {
        String data = m.data();
        List<String> cmd = new ArrayList<>(List.of(MOUNT, "-t", m.type()));
        if (!data.isEmpty()) {
            cmd.add("-o");
            cmd.add(data);
        }
        cmd.add(m.source());
        cmd.add(target.toAbsolutePath().toString());
        run(cmd, m.baseDir(), "mount " + m.type() + " on " + target);
    }

    /**
     * Unmounts the topmost mount on {@code target}.
     *
     * @throws BerthException INTERNAL with the kernel's reason (e.g. busy, or not mounted)
     */
    public static void unmount(Path target) {
        if (!dev.berth.core.sys.SysCalls.get().unmount(target.toAbsolutePath())) {
            throw new BerthException(ErrorKind.INTERNAL, "unmount " + target + " failed: not mounted");
        }
    }

    /** Unmounts everything stacked on {@code target} until it is no mount point; does nothing if it is none. */
    public static void unmountAll(Path target) {
        for (int i = 0; i < 1000 && isMountPoint(target); i++) {
            unmount(target);
        }
    }

    /** Whether something is mounted on {@code dir}, according to {@code /proc/self/mountinfo}. */
    public static boolean isMountPoint(Path dir) {
        Path p = canonical(dir);
        return mountPoints().contains(p);
    }

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    public static List<Path> mountPointsUnder(Path dir) {
        Path p = canonical(dir);
        List<Path> out = new ArrayList<>();
        for (Path m : mountPoints()) {
            if (m.startsWith(p)) {
                out.add(m);
            }
        }
        out.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return out;
    }

    /** Every mount point of this process's mount namespace, in {@code /proc/self/mountinfo} order. */
    public static List<Path> mountPoints() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            // id parent major:minor root mount-point options ...
            String[] f = line.split(" ");
            if (f.length > 4) {
                out.add(Path.of(unescape(f[4])));
            }
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash as {@code \ooo}. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    private static Path canonical(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs; // gone or unreadable: compare as given
        }
    }

    private static void run(List<String> cmd, Path dir, String what) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new BerthException(ErrorKind.UNAVAILABLE, what + ": cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        }
        String output;
        try (InputStream in = p.getInputStream()) {
            output = readCapped(in);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BerthException(ErrorKind.DEADLINE_EXCEEDED,
                        what + ": " + cmd.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new BerthException(ErrorKind.INTERNAL, what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, what + ": interrupted");
        }
        if (p.exitValue() != 0) {
            throw new BerthException(ErrorKind.INTERNAL,
                    what + " failed (exit " + p.exitValue() + "): " + output.strip());
        }
    }

    /** Reads the helper's output to the end (so it never blocks on a full pipe), keeping the first 8 KiB. */
    private static String readCapped(InputStream in) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) >= 0) {
            int room = 8192 - kept.size();
            if (room > 0) {
                kept.write(buf, 0, Math.min(room, n));
            }
        }
        return kept.toString(StandardCharsets.UTF_8);
    }
}
