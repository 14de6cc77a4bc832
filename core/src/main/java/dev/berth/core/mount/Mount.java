package dev.berth.core.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One mount that, with the others a snapshotter returns, makes a snapshot's file system appear at a target, in
 * the form of {@code mount -t <type> -o <options> <source> <target>}. Perform it with {@link Mounts#mount}.
 *
 * <p>The kernel takes at most one page (4096 bytes) of mount options, so an overlay over a long parent chain
 * names its {@code lowerdir}, {@code upperdir} and {@code workdir} relative to {@link #baseDir()}, and the mount
 * must be run from that directory ({@link Mounts#mount} does). Code that needs absolute paths (e.g. to hand a
 * mount to an OCI runtime) calls {@link #resolved()}, which may then exceed the limit for long chains.
 *
 * @param type    file system type: {@code bind}, {@code overlay}, …
 * @param source  device or directory; {@code overlay} for overlay mounts
 * @param options mount options, e.g. {@code rbind}, {@code ro}, {@code lowerdir=12/fs:11/fs}
 * @param baseDir the directory relative paths in {@code source} and the path options are resolved against, or
 *                {@code null} when every path is absolute
 */
public record Mount(String type, String source, List<String> options, Path baseDir) {
    /** Options whose value is a path (or, for {@code lowerdir}, a colon-separated list of paths). */
    private static final List<String> PATH_OPTIONS = List.of("lowerdir=", "upperdir=", "workdir=");

    public Mount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        options = List.copyOf(options);
        if (baseDir != null && !baseDir.isAbsolute()) {
            throw new IllegalArgumentException("baseDir must be absolute: " + baseDir);
        }
    }

    /** A mount whose paths are all absolute. */
    public Mount(String type, String source, List<String> options) {
        this(type, source, options, null);
    }

    /** Whether the mount is read-only ({@code ro} option, or an overlay without an upper dir). */
    public boolean readOnly() {
        if (options.contains("ro")) {
            return true;
        }
        return type.equals("overlay") && options.stream().noneMatch(o -> o.startsWith("upperdir="));
    }

    /** The options as passed to the kernel: comma-separated. */
    public String data() {
        return String.join(",", options);
    }

    /** This mount with every relative path made absolute against {@link #baseDir()}; itself if there is none. */
    public Mount resolved() {
        if (baseDir == null) {
            return this;
        }
        List<String> opts = new ArrayList<>(options.size());
        for (String o : options) {
            opts.add(resolveOption(o));
        }
        String src = type.equals("overlay") ? source : resolve(source);
        return new Mount(type, src, opts, null);
    }

    private String resolveOption(String option) {
        for (String prefix : PATH_OPTIONS) {
            if (option.startsWith(prefix)) {
                String[] parts = option.substring(prefix.length()).split(":", -1);
                List<String> abs = new ArrayList<>(parts.length);
                for (String p : parts) {
                    abs.add(resolve(p));
                }
                return prefix + String.join(":", abs);
            }
        }
        return option;
    }

    private String resolve(String path) {
        return path.isEmpty() || path.startsWith("/") ? path : baseDir.resolve(path).toString();
    }
}
