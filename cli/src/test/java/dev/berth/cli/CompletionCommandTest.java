package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The completion script, checked by a real bash: it parses, and completing a word offers berthctl's commands. */
class CompletionCommandTest {
    @TempDir
    Path dir;

    private static String script(String shell) {
        StringWriter out = new StringWriter();
        int rc = BerthctlMain.run(new String[] {"completion", shell}, new PrintWriter(out), new PrintWriter(new StringWriter()));
        assertThat(rc).isZero();
        return out.toString();
    }

    private String bash(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /** Sources the script and asks its completion function for the words completing {@code line}. */
    private String complete(String line) throws Exception {
        Path file = dir.resolve("berthctl.bash");
        Files.writeString(file, script("bash"));
        return bash("bash", "-c", """
                source "$1"
                func=$(complete -p berthctl | sed -E 's/.*-F ([^ ]+).*/\\1/')
                COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
                read -ra COMP_WORDS <<< "$2"
                [[ "$2" == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
                "$func" berthctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null # compopt complains outside a real completion
                printf '%s\\n' "${COMPREPLY[@]}"
                """, "complete", file.toString(), line);
    }

    @Test
    void bashAcceptsTheScript() throws Exception {
        Path file = dir.resolve("berthctl.bash");
        Files.writeString(file, script("bash"));
        bash("bash", "-n", file.toString());
    }

    @Test
    void theZshScriptIsTheBashOneUnderBashcompinit() throws Exception {
        String zsh = script("zsh");
        assertThat(zsh).startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n")
                .endsWith(script("bash"));
    }

    @Test
    void completingPOffersEveryCommandStartingWithP() throws Exception {
        assertThat(complete("berthctl p").lines().toList())
                .containsExactlyInAnyOrder("pods", "ps", "pull", "plugins", "port-forward");
    }

    @Test
    void optionsAndEnumValuesComplete() throws Exception {
        assertThat(complete("berthctl pods --no").lines().toList()).containsExactly("--no-trunc");
        assertThat(complete("berthctl pods -o ").lines().toList()).containsExactlyInAnyOrder("table", "json", "yaml");
        assertThat(complete("berthctl plugins ").lines().toList()).contains("ls");
    }

    @Test
    void anUnknownShellIsAUsageError() {
        StringWriter err = new StringWriter();
        assertThat(BerthctlMain.run(new String[] {"completion", "fish"}, new PrintWriter(new StringWriter()), new PrintWriter(err)))
                .isEqualTo(2);
        assertThat(err.toString()).contains("bash", "zsh");
    }
}
