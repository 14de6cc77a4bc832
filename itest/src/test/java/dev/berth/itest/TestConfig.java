package dev.berth.itest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A berthd config for one test: every path (root, state, socket, plugin_dir) inside the test's temp dir, plus
 * whatever TOML lines the test adds.
 */
public final class TestConfig {
    private final Path dir;
    private final List<String> topLevel = new ArrayList<>();
    private final List<String> tables = new ArrayList<>();
    private final List<String> grpc = new ArrayList<>();
    private final List<String> debug = new ArrayList<>();
    private final List<String> launcher = new ArrayList<>();

    public TestConfig(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    public Path pluginDir() {
        return dir.resolve("plugins");
    }

    /** Adds a top-level line, e.g. {@code required_plugins = ["x.y"]}. */
    public TestConfig set(String line) {
        topLevel.add(line);
        return this;
    }

    /** Adds a line to the generated {@code [grpc]} table, e.g. {@code max_recv_message_size = 1024}. */
    public TestConfig grpc(String line) {
        grpc.add(line);
        return this;
    }

    /** Adds a line to the generated {@code [debug]} table, e.g. {@code format = "json"}. */
    public TestConfig debug(String line) {
        debug.add(line);
        return this;
    }

    /** Adds lines after the generated tables, e.g. {@code [plugins."io.berth.test.v1.failing"]}. */
    public TestConfig append(String toml) {
        tables.add(toml);
        return this;
    }

    /** Copies a test plugin jar (built by the testing/ modules) into {@code plugin_dir/<name>/}. */
    public TestConfig installPlugin(String name, String jarFileName) throws IOException {
        Path src = Path.of(System.getProperty("berth.testPlugins", "target/test-plugins")).resolve(jarFileName);
        Path target = pluginDir().resolve(name);
        Files.createDirectories(target);
        Files.copy(src, target.resolve(jarFileName));
        return this;
    }

    /** Runs berthd through {@code command}, e.g. {@code ("prlimit", "--nofile=256:256")} for a small fd table. */
    public TestConfig launcher(String... command) {
        launcher.addAll(List.of(command));
        return this;
    }

    public List<String> launcher() {
        return List.copyOf(launcher);
    }

    public Path file() {
        return dir.resolve("config.toml");
    }

    public Path write() throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("version = 1\n");
        b.append("root = \"").append(dir.resolve("root")).append("\"\n");
        b.append("state = \"").append(dir.resolve("state")).append("\"\n");
        b.append("plugin_dir = \"").append(pluginDir()).append("\"\n");
        topLevel.forEach(l -> b.append(l).append('\n'));
        b.append("\n[grpc]\naddress = \"").append(dir.resolve("run/berth.sock")).append("\"\n");
        grpc.forEach(l -> b.append(l).append('\n'));
        b.append('\n');
        b.append("[debug]\nlevel = \"debug\"\n");
        debug.forEach(l -> b.append(l).append('\n'));
        b.append('\n');
        tables.forEach(t -> b.append(t).append('\n'));
        Files.writeString(file(), b.toString());
        return file();
    }
}
