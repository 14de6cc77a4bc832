package dev.berth.core.server;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Enforces {@code grpc.max_send_message_size}: grpc-java bounds only what a server receives, so a response
 * larger than the limit is turned into RESOURCE_EXHAUSTED here instead of being sent.
 */
final class MaxSendSizeInterceptor implements ServerInterceptor {
    private final int limit;

    MaxSendSizeInterceptor(int limit) {
        this.limit = limit;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                if (message instanceof MessageLite m && m.getSerializedSize() > limit) {
                    throw Status.RESOURCE_EXHAUSTED.withDescription("response of " + m.getSerializedSize()
                            + " bytes exceeds grpc.max_send_message_size " + limit).asRuntimeException();
                }
                super.sendMessage(message);
            }
        }, headers);
    }
}
