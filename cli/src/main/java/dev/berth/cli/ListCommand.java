package dev.berth.cli;

import com.google.protobuf.Message;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * What {@code pods} and {@code ps} share: the filters both take, and printing the list as ids ({@code -q}), a table,
 * JSON or YAML.
 *
 * @param <T> the listed CRI message (PodSandbox, Container)
 */
abstract class ListCommand<T extends Message> extends CriCommand {
    @Option(names = "--id", description = "Only the one whose id starts with this.")
    String id;
    @Option(names = "--name", paramLabel = "REGEX", description = "Only those whose name matches.")
    String name;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only those with this label (repeatable).")
    List<String> labels = List.of();
    @Option(names = {"-q", "--quiet"}, description = "Only ids.")
    boolean quiet;
    @Option(names = "--no-trunc", description = "Full ids.")
    boolean noTrunc;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
    OutputFormat output;

    /** The {@code --name} filter, checked before any call. */
    Pattern namePattern() {
        return Selectors.pattern(spec, "--name", name);
    }

    /** The response message holding {@code items}, as the runtime would have answered with them only. */
    abstract Message document(List<T> items);

    abstract String id(T item);

    abstract Table table();

    abstract String[] row(T item, long nowMillis);

    void print(List<T> items) {
        if (output.structured()) {
            output.print(out(), ProtoJson.write(document(items)));
        } else if (quiet) {
            items.forEach(i -> out().println(id(i)));
        } else {
            long now = System.currentTimeMillis();
            Table t = table();
            items.forEach(i -> t.row(row(i, now)));
            t.print(out());
        }
    }

    String shortId(String fullId) {
        return Display.shortId(fullId, noTrunc);
    }
}
