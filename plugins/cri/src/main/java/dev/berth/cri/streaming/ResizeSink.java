package dev.berth.cri.streaming;

import dev.berth.core.runtime.StreamSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resize stream's sink: decodes terminal sizes and applies each to the session's terminal. It runs from before
 * the session opens, so that the client's first size (clients send it as soon as their streams are up) can go into
 * the request and the command starts with it; sizes arriving before the session exists are kept until it does.
 */
final class ResizeSink implements ByteSink {
    private static final Logger LOG = LoggerFactory.getLogger(ResizeSink.class);
    private final TerminalSizeDecoder decoder = new TerminalSizeDecoder();
    private final CompletableFuture<TerminalSizeDecoder.Size> first = new CompletableFuture<>();
    private StreamSession session;
    private TerminalSizeDecoder.Size latest;

    @Override
    public void write(ByteBuf data) {
        if (decoder.broken()) {
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(data);
        for (TerminalSizeDecoder.Size s : decoder.feed(bytes, 0, bytes.length)) {
            StreamSession target;
            synchronized (this) {
                latest = s;
                target = session;
            }
            if (target != null) {
                apply(target, s);
            }
            // only now: the session opened with this size must find it as the latest one, or it would be applied twice
            first.complete(s);
        }
        if (decoder.broken()) {
            LOG.debug("malformed terminal size on the resize stream; ignoring further resizes");
        }
    }

    /** The first size the client sent, waiting at most {@code limit} for it; null when none came. */
    TerminalSizeDecoder.Size awaitFirst(Duration limit) throws InterruptedException {
        try {
            return first.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        }
    }

    /** From now on sizes go to {@code s}; the latest one so far does too, unless the session started with it. */
    void attach(StreamSession s, TerminalSizeDecoder.Size startedWith) {
        TerminalSizeDecoder.Size pending;
        synchronized (this) {
            session = s;
            pending = latest;
        }
        if (pending != null && !pending.equals(startedWith)) {
            apply(s, pending);
        }
    }

    private static void apply(StreamSession s, TerminalSizeDecoder.Size size) {
        try {
            s.resize(size.width(), size.height());
        } catch (RuntimeException e) {
            // One failed resize (the process just exited, say) is no reason to stop applying later ones.
            LOG.debug("resizing the terminal to {}x{}: {}", size.width(), size.height(), e.toString());
        }
    }

    @Override
    public void close() {
        // The client stopped resizing; the terminal keeps its last size.
    }
}
