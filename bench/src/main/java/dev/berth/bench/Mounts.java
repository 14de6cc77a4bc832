package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Mounts a daemon left under its temp directory (overlay snapshots, tmpmounts), found in /proc/self/mountinfo. */
final class Mounts {
    private Mounts() {
    }

    /** Mount points at or below {@code dir}, deepest first. */
    static List<Path> under(Path dir) throws IOException {
        return under(dir, null);
    }

    /** Mount points at or below {@code dir} of file system type {@code fsType} (any when null), deepest first. */
    static List<Path> under(Path dir, String fsType) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                Path mountPoint = Path.of(unescape(f[4]));
                if (mountPoint.startsWith(root) && (fsType == null || fsType.equals(fsTypeOf(f)))) {
                    found.add(mountPoint);
                }
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return found;
    }

    /** The file system type: the field after the optional fields' "-" separator. */
    private static String fsTypeOf(String[] fields) {
        for (int i = 6; i + 1 < fields.length; i++) {
            if (fields[i].equals("-")) {
                return fields[i + 1];
            }
        }
        return "";
    }

    /** Unmounts everything below {@code dir}; lazily when a plain unmount fails (busy). */
    static void unmountUnder(Path dir) throws IOException, InterruptedException {
        for (Path mp : under(dir)) {
            System.err.println("bench: unmounting " + mp + " left by the daemon");
            if (umount(List.of("umount", mp.toString())) != 0) {
                umount(List.of("umount", "-l", mp.toString()));
            }
        }
        List<Path> left = under(dir);
        if (!left.isEmpty()) {
            throw new IOException("still mounted after umount: " + left);
        }
    }

    private static int umount(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return -1;
        }
        return p.exitValue();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal {@code \040} etc. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
