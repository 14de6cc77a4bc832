package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitStatusJsonTest {
    @Test
    void successIsTheBareStatus() {
        assertThat(ExitStatusJson.json(new CommandOutcome.Success())).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        assertThat(ExitStatusJson.text(new CommandOutcome.Success())).isEmpty();
        assertThat(ExitStatusJson.encode(new CommandOutcome.Success(), false)).isEmpty();
    }

    @Test
    void nonZeroExitCarriesTheCodeWhereKubectlLooks() {
        CommandOutcome o = new CommandOutcome.NonZeroExit(List.of("sh", "-c", "exit 42 && a<b"), 42);
        assertThat(ExitStatusJson.json(o)).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero "
                + "exit code: error executing command [sh -c exit 42 && a<b], exit code 42\",\"reason\":\"NonZeroExitCode\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"42\"}]}}");
        assertThat(ExitStatusJson.text(o)).isEqualTo("command terminated with non-zero exit code: error executing command "
                + "[sh -c exit 42 && a<b], exit code 42");
    }

    @Test
    void failuresAreInternalErrorsWithTheMessageEscaped() {
        CommandOutcome o = new CommandOutcome.Failure("no \"such\" container\n");
        assertThat(new String(ExitStatusJson.encode(o, true), StandardCharsets.UTF_8)).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"no \\\"such\\\" container\\n\",\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":"
                + "\"no \\\"such\\\" container\\n\"}]},\"code\":500}");
        assertThat(new String(ExitStatusJson.encode(o, false), StandardCharsets.UTF_8)).isEqualTo("no \"such\" container\n");
    }
}
