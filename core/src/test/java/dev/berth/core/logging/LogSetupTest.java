package dev.berth.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LogSetupTest {
    @Test
    void jsonFormatWritesOneObjectPerLineWithTheKeyValues() {
        List<String> lines = logged("json", log -> {
            log.atInfo().setMessage("cri call").addKeyValue("method", "Version").addKeyValue("note", "say \"hi\"\nbye").log();
            log.debug("below the level");
            log.warn("failed", new IllegalStateException("boom"));
        }, "info");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT[^\"]+Z\",\"level\":\"info\",\"logger\":\"test.json\","
                + "\"msg\":\"cri call\",\"method\":\"Version\",\"note\":\"say \\\\\"hi\\\\\"\\\\nbye\"}");
        assertThat(lines.get(1)).startsWith("{\"time\":").contains("\"level\":\"warn\"", "\"msg\":\"failed\"",
                "\"error\":\"java.lang.IllegalStateException: boom\\n").endsWith("}");
    }

    @Test
    void textFormatIsOneReadableLineWithTheKeyValuesAfterASpace() {
        List<String> lines = logged("text", log -> {
            log.atInfo().setMessage("pulled").addKeyValue("bytes", 12).log();
            log.info("plain");
        }, "debug");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\S+ INFO  json - pulled bytes=\"?12\"?");
        assertThat(lines.get(1)).matches("\\S+ INFO  json - plain");
    }

    private static List<String> logged(String format, java.util.function.Consumer<Logger> body, String level) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // what slf4j's binding sets up
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            LogSetup.apply(ctx, level, format);
            body.accept(ctx.getLogger("test.json"));
        } finally {
            ctx.stop();
            System.setErr(saved);
        }
        return buf.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
