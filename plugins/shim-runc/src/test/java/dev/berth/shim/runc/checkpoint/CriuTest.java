package dev.berth.shim.runc.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriuTest {
    @TempDir
    Path dir;

    @Test
    void aFailingCheckIsFailedPreconditionInCriusOwnWordsAndIsAskedAgain() throws Exception {
        Path calls = dir.resolve("calls");
        Path criu = script("echo x >> " + calls + "\n"
                + "echo 'Warn  (criu/kerndat.c:1): something harmless' >&2\n"
                + "echo 'Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds' >&2\n"
                + "echo 'Error (criu/crtools.c:260): Could not initialize kernel features detection.' >&2\n"
                + "exit 1\n");
        Criu c = new Criu(criu.toString(), "/usr/bin", new ProcessRunner());
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(c::require).isInstanceOfSatisfying(BerthException.class, e -> {
                assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
                assertThat(e.getMessage()).contains("CRIU cannot work on this host", criu + " check", "exit 1",
                        "vdso: Unexpected rt vDSO area bounds", "Could not initialize kernel features detection")
                        .doesNotContain("harmless");
            });
        }
        assertThat(Files.readAllLines(calls)).hasSize(2);
    }

    @Test
    void aPassingCheckIsRememberedAndPutsCriuFirstOnPath() throws Exception {
        Path calls = dir.resolve("calls");
        Path criu = script("echo x >> " + calls + "\necho 'Looks good.'\n");
        Criu c = new Criu(criu.toString(), "/usr/bin:/bin", new ProcessRunner());
        assertThat(c.require()).containsEntry("PATH", dir + ":/usr/bin:/bin");
        assertThat(c.require()).containsEntry("PATH", dir + ":/usr/bin:/bin");
        assertThat(Files.readAllLines(calls)).hasSize(1);
    }

    @Test
    void aMissingCriuSaysItIsNotInstalled() {
        assertThatThrownBy(() -> new Criu("criu-absent-" + ProcessHandle.current().pid(), dir.toString(),
                new ProcessRunner()).require()).isInstanceOfSatisfying(BerthException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
                    assertThat(e.getMessage()).contains("CRIU is not installed", "criu-absent-");
                });
    }

    @Test
    void withoutErrorLinesEveryLineIsTheReason() {
        assertThat(Criu.errors("\nsomething odd\nand more\n")).isEqualTo("something odd; and more");
        assertThat(Criu.errors("")).isEqualTo("no output");
    }

    private Path script(String body) throws Exception {
        Path p = dir.resolve("criu");
        Files.writeString(p, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
