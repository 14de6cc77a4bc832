package dev.berth.cri;

/** A unary CRI call's work: takes the request, returns the response, throws BerthException on failure. */
@FunctionalInterface
public interface Rpc<Q, R> {
    R call(Q request) throws Exception;
}

