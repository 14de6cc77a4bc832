package dev.berth.testing.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReliabilityReportTest {
    @Test
    void recordsSurviveTheirJsonRoundTripWithAwkwardCharacters() {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("fault", "a \"quoted\" \\ path\nwith\ttabs and \u0001 control");
        r.put("outcome", "passed");
        assertThat(Json.read(Json.write(r))).isEqualTo(r);
    }

    @Test
    void theReportHasOneRowPerRecordSortedByTestWithFailuresExplained(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.json"), Json.write(record("disk full | pull", "RESOURCE_EXHAUSTED", "ZIT#b", "failed", "boom")));
        Files.writeString(dir.resolve("a.json"), Json.write(record("kill -9", "recovers", "AIT#a", "passed", "")));
        Files.writeString(dir.resolve("ignored.txt"), "not a record");

        String md = ReliabilityReport.markdown(ReliabilityReport.read(dir));

        assertThat(md).contains("2 fault tests: 1 passed, 1 failed, 0 skipped.");
        assertThat(md).containsSubsequence("| kill -9 | recovers | passed | `AIT#a` |",
                "| disk full \\| pull | RESOURCE_EXHAUSTED | failed: boom | `ZIT#b` |");
        assertThat(ReliabilityReport.read(dir.resolve("absent"))).isEqualTo(List.of());
    }

    private static Map<String, String> record(String fault, String expect, String test, String outcome, String detail) {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("fault", fault);
        r.put("expect", expect);
        r.put("test", test);
        r.put("outcome", outcome);
        r.put("detail", detail);
        return r;
    }
}
