package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.PodSandboxState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;

/** The filters of {@code pods} and {@code ps}: {@code --label k=v}, {@code --state}, {@code --name REGEX}. */
final class Selectors {
    private Selectors() {
    }

    static Map<String, String> labels(CommandSpec spec, List<String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--label wants KEY=VALUE, got \"" + l + "\"");
            }
            out.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return out;
    }

    static PodSandboxState podState(CommandSpec spec, String s) {
        switch (s.toLowerCase(Locale.ROOT).replace("sandbox_", "").replace("_", "")) {
            case "ready":
                return PodSandboxState.SANDBOX_READY;
            case "notready":
                return PodSandboxState.SANDBOX_NOTREADY;
            default:
                throw new ParameterException(spec.commandLine(), "--state: \"" + s + "\" is not ready or notready");
        }
    }

    static ContainerState containerState(CommandSpec spec, String s) {
        String name = "CONTAINER_" + s.toUpperCase(Locale.ROOT).replace("CONTAINER_", "");
        for (ContainerState c : ContainerState.values()) {
            if (c != ContainerState.UNRECOGNIZED && c.name().equals(name)) {
                return c;
            }
        }
        throw new ParameterException(spec.commandLine(),
                "--state: \"" + s + "\" is not one of created, running, exited, unknown");
    }

    /** A {@code --name}/{@code --namespace} pattern: a regular expression found anywhere in the value, like crictl's. */
    static Pattern pattern(CommandSpec spec, String option, String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ParameterException(spec.commandLine(), option + ": not a regular expression: " + e.getDescription());
        }
    }

    static boolean matches(Pattern p, String value) {
        return p == null || p.matcher(value).find();
    }
}
