package dev.berth.cli;

/** {@code -o}: how a command prints. */
enum OutputFormat {
    table, json
}
