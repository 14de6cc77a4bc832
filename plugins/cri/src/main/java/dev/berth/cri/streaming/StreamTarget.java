package dev.berth.cri.streaming;

import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;

/** What a streaming URL's token stands for; built by the CRI call after validating the request. */
public sealed interface StreamTarget {
    enum Kind { EXEC, ATTACH }

    /** The URL path segment that serves this target ("exec", "attach", "portforward"). */
    String pathKind();

    /** exec or attach: opener opens the session once the client's streams are all there. */
    record Process(Kind kind, String containerId, StreamRequest request, Function<StreamRequest, StreamSession> opener)
            implements StreamTarget {
        public Process {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(containerId, "containerId");
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(opener, "opener");
        }

        @Override
        public String pathKind() {
            return kind == Kind.EXEC ? "exec" : "attach";
        }
    }

    /**
     * port-forward into a pod: dial.apply(port) returns a connected blocking SocketChannel inside the pod's network
     * (throws BerthException). ports: the CRI request's ports, possibly empty.
     */
    record PortForward(String sandboxId, List<Integer> ports, IntFunction<SocketChannel> dial) implements StreamTarget {
        public PortForward {
            Objects.requireNonNull(sandboxId, "sandboxId");
            ports = List.copyOf(ports);
            Objects.requireNonNull(dial, "dial");
        }

        @Override
        public String pathKind() {
            return "portforward";
        }
    }
}
