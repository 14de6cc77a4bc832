package dev.berth.cli;

import com.google.gson.JsonParser;
import java.io.PrintWriter;

/** {@code -o}: how a command prints. JSON and YAML print the same document; a table is each command's own. */
enum OutputFormat {
    table, json, yaml;

    /** Prints a JSON document (as ProtoJson or StatusJson write it) as JSON or, for {@code yaml}, as YAML. */
    void print(PrintWriter out, String json) {
        out.print(this == yaml ? Yaml.write(JsonParser.parseString(json)) : json);
    }

    /** Whether the command prints a document rather than its table. */
    boolean structured() {
        return this != table;
    }
}
