package dev.berth.cli;

import dev.berth.api.cri.v1.PodSandboxStatusRequest;
import dev.berth.api.cri.v1.PortForwardRequest;
import dev.berth.cli.streaming.PortForwarder;
import dev.berth.cli.streaming.PortMapping;
import dev.berth.core.client.UnixSocketChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl port-forward POD [LOCAL:]REMOTE...}: listens on 127.0.0.1 and forwards every connection into the
 * pod's network namespace through the runtime's streaming server, one CRI PortForward per connection. Runs until
 * Ctrl-C, or until the pod is gone.
 */
@Command(name = "port-forward", description = "Forward local ports on 127.0.0.1 to ports in a pod (CRI PortForward); "
        + "runs until Ctrl-C.")
final class PortForwardCommand extends CriCommand {
    @Parameters(index = "0", paramLabel = "POD", description = "Pod id or unique prefix.")
    String pod;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "[LOCAL:]REMOTE",
            description = "Ports: 8080 or :8080 (a free local port), or 9000:8080.")
    List<String> ports;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        List<PortMapping> mappings = new ArrayList<>();
        for (String p : ports) {
            try {
                mappings.add(PortMapping.parse(p));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "port-forward: " + e.getMessage());
            }
        }
        String podId = runtime(ch).podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getId();
        Duration timeout = Duration.ofSeconds(top.timeoutSeconds);
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        PortForwarder.UrlSource urls = remote -> {
            try {
                return runtime(ch).portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).addPort(remote).build())
                        .getUrl();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    throw new PortForwarder.TargetGone(e);
                }
                throw e;
            }
        };
        try (PortForwarder forwarder = new PortForwarder(http, urls, timeout, new Report())) {
            List<PortForwarder.Listening> listening = forwarder.listen(mappings);
            for (PortForwarder.Listening l : listening) {
                out().println("Forwarding from 127.0.0.1:" + l.localPort() + " -> " + l.mapping().remote());
            }
            out().flush();
            try {
                forwarder.serve(listening);
            } catch (PortForwarder.TargetGone e) {
                throw (Exception) e.getCause();
            }
        }
        return 0;
    }

    /** Says what happens to connections, as kubectl port-forward does. */
    private final class Report implements PortForwarder.Reporter {
        @Override
        public void handling(PortForwarder.Listening l) {
            synchronized (this) {
                out().println("Handling connection for " + l.mapping().remote());
                out().flush();
            }
        }

        @Override
        public void failed(PortForwarder.Listening l, Throwable cause) {
            synchronized (this) {
                err().println("berthctl: port-forward 127.0.0.1:" + l.localPort() + " -> " + l.mapping().remote() + ": "
                        + Errors.describe(cause));
                err().flush();
            }
        }
    }
}
