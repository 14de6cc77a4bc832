package dev.berth.config;

/**
 * One thing wrong (or worth a warning) in a config file, located as precisely as the file allows.
 *
 * @param source the file (or other origin) the problem is in
 * @param line   1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 * @param key    the TOML dotted key concerned, e.g. {@code plugins."io.berth.grpc.v1.cri".foo}; empty if none
 */
public record ConfigProblem(Severity severity, String source, int line, int column, String key, String message) {
    /** An ERROR stops the daemon from starting; a WARNING is logged and the setting ignored. */
    public enum Severity { ERROR, WARNING }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(source);
        if (line > 0) {
            b.append(':').append(line).append(':').append(column);
        }
        b.append(": ");
        if (!key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(message).toString();
    }
}
