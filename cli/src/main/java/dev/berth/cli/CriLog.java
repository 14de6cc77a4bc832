package dev.berth.cli;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The CRI container log format, one record a line: {@code <RFC3339Nano time> <stdout|stderr> <tags> <text>}, where
 * the tags are {@code F} (the line is complete) or {@code P} (a partial line: the text goes on in the next record of
 * the same stream), possibly followed by more {@code :}-separated tags. {@link Joiner} turns records back into the
 * lines the container wrote.
 */
final class CriLog {
    private CriLog() {
    }

    enum Stream {
        stdout, stderr
    }

    /** One record of the file. */
    record Record(String timestamp, Stream stream, boolean partial, String text) {
    }

    /** One line the container wrote, joined from its records; stamped with its first record's time. */
    record Line(String timestamp, Stream stream, String text) {
    }

    /** Parses one line of the file (without its newline); {@code null} when it is not in the CRI format. */
    static Record parse(String line) {
        int a = line.indexOf(' ');
        if (a <= 0) {
            return null;
        }
        int b = line.indexOf(' ', a + 1);
        if (b < 0) {
            return null;
        }
        Stream stream;
        switch (line.substring(a + 1, b)) {
            case "stdout" -> stream = Stream.stdout;
            case "stderr" -> stream = Stream.stderr;
            default -> {
                return null;
            }
        }
        int c = line.indexOf(' ', b + 1);
        String tags = c < 0 ? line.substring(b + 1) : line.substring(b + 1, c);
        String first = tags.split(":", 2)[0];
        if (!first.equals("P") && !first.equals("F")) {
            return null;
        }
        return new Record(line.substring(0, a), stream, first.equals("P"), c < 0 ? "" : line.substring(c + 1));
    }

    /**
     * Joins partial records per stream. Lines not in the CRI format come out as they are, on stdout, rather than
     * being dropped.
     */
    static final class Joiner {
        private final Consumer<Line> sink;
        private final Map<Stream, StringBuilder> pending = new EnumMap<>(Stream.class);
        private final Map<Stream, String> pendingSince = new EnumMap<>(Stream.class);

        Joiner(Consumer<Line> sink) {
            this.sink = sink;
        }

        void accept(String fileLine) {
            Record r = parse(fileLine);
            if (r == null) {
                sink.accept(new Line("", Stream.stdout, fileLine));
                return;
            }
            StringBuilder b = pending.get(r.stream());
            if (r.partial()) {
                if (b == null) {
                    pending.put(r.stream(), new StringBuilder(r.text()));
                    pendingSince.put(r.stream(), r.timestamp());
                } else {
                    b.append(r.text());
                }
                return;
            }
            if (b == null) {
                sink.accept(new Line(r.timestamp(), r.stream(), r.text()));
            } else {
                pending.remove(r.stream());
                sink.accept(new Line(pendingSince.remove(r.stream()), r.stream(), b.append(r.text()).toString()));
            }
        }

        /** Emits what partial lines are still open (the file ended inside them). */
        void flush() {
            for (Stream s : Stream.values()) {
                StringBuilder b = pending.remove(s);
                if (b != null) {
                    sink.accept(new Line(pendingSince.remove(s), s, b.toString()));
                }
            }
        }
    }

    /** The joined lines of a whole file's text; the last {@code tail} of them when {@code tail >= 0}. */
    static List<Line> lines(List<String> fileLines, int tail) {
        List<Line> out = new ArrayList<>();
        Joiner j = new Joiner(out::add);
        fileLines.forEach(j::accept);
        j.flush();
        return tail < 0 || tail >= out.size() ? out : out.subList(out.size() - tail, out.size());
    }
}
