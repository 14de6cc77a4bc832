package dev.berth.config;

import java.util.List;
import java.util.stream.Collectors;

/** The configuration cannot be used; {@link #problems()} says every reason, each with its place in the file. */
public final class ConfigException extends RuntimeException {
    private final transient List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
