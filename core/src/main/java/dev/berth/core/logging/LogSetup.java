package dev.berth.core.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Points all logging at stderr in the configured level and format ({@code [debug] level, format}). */
public final class LogSetup {
    private LogSetup() {
    }

    /**
     * slf4j hands out a stand-in factory while another thread (berthd's start-up warm-up) is initialising it;
     * wait for the real one, which takes milliseconds.
     */
    private static LoggerContext context() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        org.slf4j.ILoggerFactory f = LoggerFactory.getILoggerFactory();
        while (!(f instanceof LoggerContext) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            f = LoggerFactory.getILoggerFactory();
        }
        return (LoggerContext) f;
    }

    /** @param format "text" or "json" */
    public static void configure(String level, String format) {
        apply(context(), level, format);
    }

    static void apply(LoggerContext ctx, String level, String format) {
        ctx.reset();
        Layout<ILoggingEvent> layout;
        if ("json".equals(format)) {
            layout = new JsonLayout();
        } else {
            PatternLayout p = new PatternLayout();
            // the key/value pairs after a space, and no trailing space when there are none
            p.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} - %msg%replace( %kvp{NONE}){'^ $', ''}%n%ex");
            layout = p;
        }
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setTarget("System.err");
        out.setEncoder(encoder);
        out.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
        root.addAppender(out);
        // grpc and netty are chatty below info and say nothing an operator acts on
        ctx.getLogger("io.grpc").setLevel(Level.INFO);
        // grpc-netty asks every channel for SO_KEEPALIVE, which unix sockets do not have: a warning per connection
        ctx.getLogger("io.grpc.netty.shaded.io.netty.bootstrap").setLevel(Level.ERROR);
    }
}
