package dev.berth.testing.echo;

import dev.berth.core.plugin.GrpcServiceProvider;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.util.List;

/**
 * One unary method, {@code <service>/Say}: a UTF-8 string in, the same string reversed out, followed by what only the
 * plugin knows (its configured greeting and the name of the class loader its classes came from, which berthd names
 * after the plugin's directory). Built by hand with a {@link MethodDescriptor}, as a plugin without protoc would.
 */
final class EchoService implements GrpcServiceProvider {
    private final String service;
    private final String greeting;

    EchoService(String service, String greeting) {
        this.service = service;
        this.greeting = greeting;
    }

    static MethodDescriptor<String, String> say(String service) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Say"))
                .setRequestMarshaller(Utf8Marshaller.INSTANCE)
                .setResponseMarshaller(Utf8Marshaller.INSTANCE)
                .build();
    }

    @Override
    public List<ServerServiceDefinition> services() {
        return List.of(ServerServiceDefinition.builder(service)
                .addMethod(say(service), ServerCalls.asyncUnaryCall((request, answer) -> {
                    if (request.isEmpty()) {
                        answer.onError(Status.INVALID_ARGUMENT.withDescription("request: must not be empty").asRuntimeException());
                        return;
                    }
                    answer.onNext(new StringBuilder(request).reverse() + " | " + greeting + " | "
                            + EchoService.class.getClassLoader().getName());
                    answer.onCompleted();
                }))
                .build());
    }
}
