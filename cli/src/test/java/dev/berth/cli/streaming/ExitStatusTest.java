package dev.berth.cli.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading the error channel's report as kubectl does. */
class ExitStatusTest {
    @Test
    void successAndNothingAreExitZero() {
        assertThat(ExitStatus.parse("{\"metadata\":{},\"status\":\"Success\"}")).isEqualTo(ExitStatus.SUCCESS);
        assertThat(ExitStatus.parse("")).isEqualTo(ExitStatus.SUCCESS);
    }

    @Test
    void aNonZeroExitPassesItsCodeOnQuietly() {
        String json = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                + "error executing command [sh -c exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}";
        assertThat(ExitStatus.parse(json)).isEqualTo(new ExitStatus(3, ""));
    }

    @Test
    void otherFailuresAreExitOneWithTheirMessage() {
        String internal = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"exec failed: no such file\","
                + "\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"exec failed: no such file\"}]},\"code\":500}";
        assertThat(ExitStatus.parse(internal)).isEqualTo(new ExitStatus(1, "exec failed: no such file"));
        assertThat(ExitStatus.parse("{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"message\":\"m\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"x\"}]}}"))
                .as("an unreadable code").isEqualTo(new ExitStatus(1, "m"));
        assertThat(ExitStatus.parse("command terminated with exit code 2"))
                .as("protocols before v4 send plain text").isEqualTo(new ExitStatus(1, "command terminated with exit code 2"));
        assertThat(ExitStatus.parse("[1]")).isEqualTo(new ExitStatus(1, "[1]"));
    }
}
