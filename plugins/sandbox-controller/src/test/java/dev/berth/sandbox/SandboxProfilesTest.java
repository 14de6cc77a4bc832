package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.runtime.SecurityProfile;
import dev.berth.core.runtime.SecurityProfile.Kind;
import dev.berth.core.sandbox.SandboxSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxProfilesTest {
    @TempDir
    Path dir;

    private SandboxSecurity seccomp(Kind kind, String ref) {
        return new SandboxSecurity(false, new SecurityProfile(kind, ref), null);
    }

    private SandboxSecurity apparmor(String name) {
        return new SandboxSecurity(false, null, new SecurityProfile(Kind.LOCALHOST, name));
    }

    @Test
    void defaultAndUnconfinedProfilesNeedNothingFromTheNode() {
        SandboxProfiles p = new SandboxProfiles(dir.resolve("absent"), dir.resolve("absent"));
        assertThatCode(() -> p.check(seccomp(Kind.RUNTIME_DEFAULT, ""))).doesNotThrowAnyException();
        assertThatCode(() -> p.check(new SandboxSecurity(true, null,
                new SecurityProfile(Kind.RUNTIME_DEFAULT, "")))).doesNotThrowAnyException();
    }

    @Test
    void aLocalhostSeccompProfileMustBeAnExistingAbsoluteFile() throws IOException {
        SandboxProfiles p = new SandboxProfiles(dir.resolve("absent"), dir.resolve("absent"));
        assertThatThrownBy(() -> p.check(seccomp(Kind.LOCALHOST, "profiles/a.json")))
                .hasMessageContaining("config.linux.security_context.seccomp.localhost_ref").hasMessageContaining("absolute");
        assertThatThrownBy(() -> p.check(seccomp(Kind.LOCALHOST, dir.resolve("missing.json").toString())))
                .hasMessageContaining("does not exist");
        Path file = Files.writeString(dir.resolve("a.json"), "{}");
        assertThatCode(() -> p.check(seccomp(Kind.LOCALHOST, file.toString()))).doesNotThrowAnyException();
    }

    @Test
    void aLocalhostAppArmorProfileNeedsAppArmorAndTheProfileLoaded() throws IOException {
        Path enabled = dir.resolve("enabled");
        Path profiles = Files.writeString(dir.resolve("profiles"), "berth-test (enforce)\nother (complain)\n");
        SandboxProfiles p = new SandboxProfiles(enabled, profiles);
        assertThatThrownBy(() -> p.check(apparmor("berth-test"))).hasMessageContaining("AppArmor is not enabled");
        Files.writeString(enabled, "Y\n");
        assertThatCode(() -> p.check(apparmor("berth-test"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> p.check(apparmor("berth"))).hasMessageContaining("\"berth\" is not loaded")
                .hasMessageContaining("config.linux.security_context.apparmor.localhost_ref");
    }
}
