package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** picocli formats every help text with String.format: a bare '%' is a warning on stderr and unreplaced "%n"s. */
class HelpTextTest {
    @Test
    void everyDescriptionIsAValidFormat() {
        Deque<CommandLine> todo = new ArrayDeque<>();
        todo.add(new CommandLine(new BerthctlMain()));
        while (!todo.isEmpty()) {
            CommandLine cl = todo.poll();
            todo.addAll(cl.getSubcommands().values());
            String name = cl.getCommandSpec().qualifiedName();
            for (String line : cl.getCommandSpec().usageMessage().description()) {
                assertThatCode(() -> String.format(line)).as(name).doesNotThrowAnyException();
            }
            for (OptionSpec option : cl.getCommandSpec().options()) {
                for (String line : option.description()) {
                    assertThatCode(() -> String.format(line)).as(name + " " + option.longestName()).doesNotThrowAnyException();
                }
            }
        }
    }
}
