package dev.berth.core.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's first configuration, found through ServiceLoader: plain text on stderr at info, so logback does
 * not search the class path for XML files and load its XML machinery on every start (tens of milliseconds of
 * berthd's and berthctl's start-up). A {@code logback-test.xml} on the class path (unit tests) still wins.
 */
public final class StderrConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (getClass().getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogSetup.apply(context, "info", "text");
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
