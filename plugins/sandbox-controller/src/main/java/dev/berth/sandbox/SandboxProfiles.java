package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.sandbox.SandboxSecurity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the sandbox's own seccomp and AppArmor profiles at RunPodSandbox. A pod here has no process of its own to
 * confine (at most the pid namespace holder, which only sleeps and reaps), so nothing is loaded; but a profile the
 * node cannot provide fails the pod now, with the field named, as it would under a pause container, rather than
 * being dropped without a word.
 */
final class SandboxProfiles {
    private static final String FIELD = "config.linux.security_context";
    private final Path apparmorEnabled;
    private final Path apparmorProfiles;

    SandboxProfiles() {
        this(Path.of("/sys/module/apparmor/parameters/enabled"), Path.of("/sys/kernel/security/apparmor/profiles"));
    }

    SandboxProfiles(Path apparmorEnabled, Path apparmorProfiles) {
        this.apparmorEnabled = apparmorEnabled;
        this.apparmorProfiles = apparmorProfiles;
    }

    void check(SandboxSecurity security) {
        SecurityProfile seccomp = security.seccomp();
        if (seccomp.kind() == SecurityProfile.Kind.LOCALHOST) {
            String ref = seccomp.localhostRef();
            if (!ref.startsWith("/")) {
                throw BerthException.invalidArgument("%s.seccomp.localhost_ref \"%s\" must be an absolute path on the node",
                        FIELD, ref);
            }
            if (!Files.isRegularFile(Path.of(ref))) {
                throw BerthException.invalidArgument("%s.seccomp.localhost_ref: profile %s does not exist", FIELD, ref);
            }
        }
        SecurityProfile apparmor = security.apparmor();
        if (apparmor.kind() == SecurityProfile.Kind.LOCALHOST) {
            if (!read(apparmorEnabled).strip().equals("Y")) {
                throw BerthException.invalidArgument("%s.apparmor.localhost_ref: AppArmor is not enabled on this node "
                        + "(profile \"%s\" requested)", FIELD, apparmor.localhostRef());
            }
            if (!loaded(apparmor.localhostRef())) {
                throw BerthException.invalidArgument("%s.apparmor.localhost_ref: AppArmor profile \"%s\" is not loaded",
                        FIELD, apparmor.localhostRef());
            }
        }
    }

    /** Lines of the profiles file read "name (mode)". */
    private boolean loaded(String name) {
        return read(apparmorProfiles).lines().anyMatch(l -> l.startsWith(name + " ("));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
