package dev.berth.cli;

import com.google.protobuf.Message;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.ListPodSandboxResponse;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.api.cri.v1.PodSandboxStateValue;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berthctl pods}: crictl's pod list. */
@Command(name = "pods", description = "List pod sandboxes (CRI ListPodSandbox): POD ID, CREATED, STATE, NAME, NAMESPACE, "
        + "ATTEMPT, RUNTIME.")
final class PodsCommand extends ListCommand<PodSandbox> {
    @Option(names = "--namespace", paramLabel = "REGEX", description = "Only pods whose namespace matches.")
    String namespace;
    @Option(names = {"-s", "--state"}, description = "Only pods in this state: ready or notready.")
    String state;

    @Override
    int call(UnixSocketChannel ch) {
        PodSandboxFilter.Builder f = PodSandboxFilter.newBuilder().putAllLabelSelector(Selectors.labels(spec, labels));
        if (id != null) {
            f.setId(id);
        }
        if (state != null) {
            f.setState(PodSandboxStateValue.newBuilder().setState(Selectors.podState(spec, state)));
        }
        Pattern byName = namePattern();
        Pattern byNamespace = Selectors.pattern(spec, "--namespace", namespace);
        print(runtime(ch).listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(f).build())
                .getItemsList().stream()
                .filter(p -> Selectors.matches(byName, p.getMetadata().getName()))
                .filter(p -> Selectors.matches(byNamespace, p.getMetadata().getNamespace()))
                .toList());
        return 0;
    }

    @Override
    Message document(List<PodSandbox> pods) {
        return ListPodSandboxResponse.newBuilder().addAllItems(pods).build();
    }

    @Override
    String id(PodSandbox p) {
        return p.getId();
    }

    @Override
    Table table() {
        return new Table("POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME");
    }

    @Override
    String[] row(PodSandbox p, long now) {
        return new String[] {shortId(p.getId()), Display.ago(p.getCreatedAt(), now), Display.state(p.getState()),
                p.getMetadata().getName(), p.getMetadata().getNamespace(), String.valueOf(p.getMetadata().getAttempt()),
                p.getRuntimeHandler().isEmpty() ? "(default)" : p.getRuntimeHandler()};
    }
}
