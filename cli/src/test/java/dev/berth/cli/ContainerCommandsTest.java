package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.ContainerStats;
import dev.berth.api.cri.v1.CpuUsage;
import dev.berth.api.cri.v1.UInt64Value;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The container commands' parts that need no runtime: option parsing, ages, CPU %. */
class ContainerCommandsTest {
    private static final String NO_SOCKET = "unix:///nonexistent/berth.sock";

    private record Run(int rc, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = BerthctlMain.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void interactiveExecGoesToTheRuntimesExec() {
        // -i/-t make it a streamed exec: no runtime here, so it fails at the CRI call
        Run tty = run("-r", NO_SOCKET, "exec", "-it", "abc", "sh");
        assertThat(tty.rc()).isEqualTo(1);
        assertThat(tty.err()).contains("cannot reach the runtime");
    }

    @Test
    void streamedExecRefusesTheSyncOnlyOptions() {
        assertThat(run("-r", NO_SOCKET, "exec", "-s", "-i", "abc", "sh").err()).contains("-s/--sync cannot be combined");
        assertThat(run("-r", NO_SOCKET, "exec", "-t", "--timeout", "5", "abc", "sh").err())
                .contains("--timeout applies to ExecSync only");
    }

    @Test
    void portForwardTakesLocalColonRemote() {
        Run bad = run("-r", NO_SOCKET, "port-forward", "pod", "80:http");
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("\"80:http\" is not [LOCAL:]REMOTE");
        Run good = run("-r", NO_SOCKET, "port-forward", "pod", ":8080", "9000:80");
        assertThat(good.rc()).isEqualTo(1);
        assertThat(good.err()).contains("cannot reach the runtime");
        assertThat(run("-r", NO_SOCKET, "attach").err()).contains("Missing required parameter: 'ID'");
    }

    @Test
    void execTakesTheCommandsOwnOptionsAsItsArguments() {
        // "-t" after the command belongs to the command, not to exec: no runtime here, so it fails reaching it
        Run r = run("-r", NO_SOCKET, "exec", "abc", "ls", "-t", "--timeout");
        assertThat(r.err()).contains("cannot reach the runtime").doesNotContain("streaming");
    }

    @Test
    void stopTimeoutIsTheCommandsAndTheGlobalTimeoutGoesFirst() {
        Run r = run("-r", NO_SOCKET, "-t", "1", "stop", "-t", "5", "abc");
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).contains("cannot reach the runtime");
    }

    @Test
    void aMissingConfigFileIsNamed() {
        Run r = run("-r", NO_SOCKET, "runp", "/nonexistent/pod.json");
        assertThat(r.rc()).isEqualTo(1);
        assertThat(r.err()).contains("no such file: /nonexistent/pod.json");
    }

    @Test
    void badFiltersAreUsageErrors() {
        assertThat(run("-r", NO_SOCKET, "pods", "--state", "sleeping").err()).contains("ready or notready");
        assertThat(run("-r", NO_SOCKET, "ps", "--label", "novalue").err()).contains("KEY=VALUE");
        assertThat(run("-r", NO_SOCKET, "ps", "--state", "paused").err()).contains("created, running, exited, unknown");
    }

    @Test
    void agesLikeCrictl() {
        assertThat(Display.human(Duration.ofMillis(300))).isEqualTo("Less than a second");
        assertThat(Display.human(Duration.ofSeconds(1))).isEqualTo("1 second");
        assertThat(Display.human(Duration.ofSeconds(42))).isEqualTo("42 seconds");
        assertThat(Display.human(Duration.ofSeconds(90))).isEqualTo("About a minute");
        assertThat(Display.human(Duration.ofMinutes(7))).isEqualTo("7 minutes");
        assertThat(Display.human(Duration.ofMinutes(70))).isEqualTo("About an hour");
        assertThat(Display.human(Duration.ofHours(30))).isEqualTo("30 hours");
        assertThat(Display.human(Duration.ofDays(3))).isEqualTo("3 days");
        assertThat(Display.human(Duration.ofDays(21))).isEqualTo("3 weeks");
        assertThat(Display.ago(5_000_000_000L, 65_000)).isEqualTo("About a minute ago");
    }

    @Test
    void cpuPercentFromTwoSamplesOrTheRuntimesOwnRate() {
        ContainerStats a = stats(1_000_000_000L, 100_000_000L, -1);
        ContainerStats b = stats(2_000_000_000L, 350_000_000L, -1);
        assertThat(StatsCommand.cpuPercent(a, b)).isEqualTo("25.00");
        assertThat(StatsCommand.cpuPercent(null, stats(1, 1, 500_000_000L))).isEqualTo("50.00");
        assertThat(StatsCommand.cpuPercent(null, b)).isEqualTo("-");
    }

    private static ContainerStats stats(long ts, long usage, long nanoCores) {
        CpuUsage.Builder c = CpuUsage.newBuilder().setTimestamp(ts).setUsageCoreNanoSeconds(UInt64Value.newBuilder().setValue(usage));
        if (nanoCores >= 0) {
            c.setUsageNanoCores(UInt64Value.newBuilder().setValue(nanoCores));
        }
        return ContainerStats.newBuilder().setCpu(c).build();
    }
}
