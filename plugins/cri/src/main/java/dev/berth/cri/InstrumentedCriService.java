package dev.berth.cri;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.berth.core.metrics.Counter;
import dev.berth.core.metrics.Histogram;
import dev.berth.core.metrics.Metrics;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps every CRI call the same way: validate the request, give it an id, time it, log one line, count it, and
 * turn whatever it threw into a gRPC status. The gRPC bindings call {@link #unary}; the work is done by
 * {@link CriService}, which never sees gRPC.
 */
public final class InstrumentedCriService {
    private static final Logger LOG = LoggerFactory.getLogger(InstrumentedCriService.class);
    /** A quarter of gRPC's default 4 MiB receive limit. */
    static final int CHUNK_BYTES = 1 << 20;

    private final Counter requests;
    private final Histogram latency;

    public InstrumentedCriService(Metrics metrics) {
        this.requests = metrics.counter("berth_cri_requests_total", "CRI calls by method and gRPC status code.", "method", "code");
        this.latency = metrics.histogram("berth_cri_request_duration_seconds", "CRI call latency by method.",
                Histogram.LATENCY_SECONDS, "method");
    }

    /** Runs one unary call and completes {@code out} with its response or its error status. */
    public <Q extends Message, R> void unary(String method, Q request, StreamObserver<R> out, Rpc<Q, R> rpc) {
        stream(method, request, out, (q, sink) -> sink.accept(rpc.call(q)));
    }

    /**
     * Runs one of the CRI's streaming list calls ({@code StreamPodSandboxes} and its kind), the twins of the List
     * calls for lists too big for one message: the unary list's items go out in responses of at most
     * {@value #CHUNK_BYTES} bytes each (an empty list sends none).
     */
    public <Q extends Message, T extends Message, R> void chunked(String method, Q request, StreamObserver<R> out,
                                                                 Rpc<Q, List<T>> list, Function<List<T>, R> response) {
        stream(method, request, out, (q, sink) -> {
            List<T> chunk = new ArrayList<>();
            long bytes = 0;
            for (T item : list.call(q)) {
                int size = item.getSerializedSize() + 8; // with its field tag and length prefix
                if (!chunk.isEmpty() && bytes + size > CHUNK_BYTES) {
                    sink.accept(response.apply(chunk));
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(item);
                bytes += size;
            }
            if (!chunk.isEmpty()) {
                sink.accept(response.apply(chunk));
            }
        });
    }

    /** Runs one server-streaming call: every response the work produces is sent as it comes. */
    public <Q extends Message, R> void stream(String method, Q request, StreamObserver<R> out, StreamRpc<Q, R> rpc) {
        String requestId = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        long t0 = System.nanoTime();
        Status status;
        try {
            RequestValidator.validate(request);
            io.grpc.Context call = io.grpc.Context.current();
            CallCancellation.during(call::isCancelled, () -> {
                rpc.call(request, out::onNext);
                return null;
            });
            status = Status.OK;
        } catch (Throwable t) { // one call's failure, even a bug, must not take the server down
            status = ErrorMapping.toStatus(t, requestId);
            if (status.getCode() == Status.Code.INTERNAL) {
                LOG.error("{} request {} failed unexpectedly", method, requestId, t);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        requests.inc(method, status.getCode().name());
        latency.observe(seconds, method);
        if (LOG.isDebugEnabled()) {
            LOG.atDebug().setMessage("cri call").addKeyValue("method", method).addKeyValue("request_id", requestId)
                    .addKeyValue("code", status.getCode()).addKeyValue("ms", String.format("%.2f", seconds * 1000))
                    .addKeyValue("error", status.getDescription() == null ? "" : status.getDescription())
                    .addKeyValue("request", TextFormat.shortDebugString(redacted(request))).log();
        }
        if (status.isOk()) {
            out.onCompleted();
        } else {
            out.onError(status.asRuntimeException());
        }
    }

    /** The request without credentials (PullImage's {@code auth}), for logging. */
    static Message redacted(Message request) {
        FieldDescriptor auth = request.getDescriptorForType().findFieldByName("auth");
        if (auth == null || !request.hasField(auth)) {
            return request;
        }
        return request.toBuilder().setField(auth, ((Message) request.getField(auth)).getDefaultInstanceForType()).build();
    }
}
