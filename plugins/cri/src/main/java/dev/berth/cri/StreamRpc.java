package dev.berth.cri;

import java.util.function.Consumer;

/** A server-streaming CRI call's work: sends responses to {@code sink} and returns when the stream is done. */
@FunctionalInterface
public interface StreamRpc<Q, R> {
    void call(Q request, Consumer<R> sink) throws Exception;
}
