package dev.berth.core.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import dev.berth.core.json.Json;
import java.time.Instant;
import org.slf4j.event.KeyValuePair;

/** One JSON object per line: time, level, logger, msg, the event's key/value pairs, and error when thrown. */
final class JsonLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256).append('{');
        field(b, "time", Instant.ofEpochMilli(e.getTimeStamp()).toString());
        b.append(',');
        field(b, "level", e.getLevel().toString().toLowerCase(java.util.Locale.ROOT));
        b.append(',');
        field(b, "logger", e.getLoggerName());
        b.append(',');
        field(b, "msg", e.getFormattedMessage());
        if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) {
                b.append(',');
                field(b, kv.key, String.valueOf(kv.value));
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            b.append(',');
            field(b, "error", ThrowableProxyUtil.asString(t));
        }
        return b.append("}\n").toString();
    }

    private static void field(StringBuilder b, String key, String value) {
        Json.quote(b, key);
        b.append(':');
        Json.quote(b, value);
    }
}
