package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.ImageProcess;
import java.util.ArrayList;
import java.util.List;

/**
 * Merges the image's entrypoint and cmd with the container's command and args the way Kubernetes documents it: a
 * command replaces the entrypoint and drops the image's cmd, args replace only the cmd.
 */
final class ProcessArgs {
    List<String> merge(ContainerSpec spec) {
        ImageProcess image = spec.image();
        List<String> args = new ArrayList<>();
        if (!spec.command().isEmpty()) {
            args.addAll(spec.command());
            args.addAll(spec.args());
        } else {
            args.addAll(image.entrypoint());
            args.addAll(spec.args().isEmpty() ? image.cmd() : spec.args());
        }
        if (args.isEmpty()) {
            throw BerthException.invalidArgument(
                    "no command: neither the container (command/args) nor the image (Entrypoint/Cmd) gives one");
        }
        return List.copyOf(args);
    }

    /** The working directory: the container's, else the image's, else "/". runc needs it absolute. */
    String cwd(ContainerSpec spec) {
        if (!spec.workingDir().isEmpty()) {
            return absolute(spec.workingDir(), "working_dir");
        }
        if (!spec.image().workingDir().isEmpty()) {
            return absolute(spec.image().workingDir(), "image config WorkingDir");
        }
        return "/";
    }

    private static String absolute(String dir, String field) {
        if (!dir.startsWith("/")) {
            throw BerthException.invalidArgument("%s %s is not an absolute path", field, dir);
        }
        return dir;
    }
}
