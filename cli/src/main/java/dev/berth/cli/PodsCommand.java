package dev.berth.cli;

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
final class PodsCommand extends CriCommand {
    @Option(names = "--id", description = "Only the pod whose id starts with this.")
    String id;
    @Option(names = "--name", paramLabel = "REGEX", description = "Only pods whose name matches.")
    String name;
    @Option(names = "--namespace", paramLabel = "REGEX", description = "Only pods whose namespace matches.")
    String namespace;
    @Option(names = {"-s", "--state"}, description = "Only pods in this state: ready or notready.")
    String state;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only pods with this label (repeatable).")
    List<String> labels = List.of();
    @Option(names = {"-q", "--quiet"}, description = "Only pod ids.")
    boolean quiet;
    @Option(names = "--no-trunc", description = "Full ids.")
    boolean noTrunc;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
    OutputFormat output;

    @Override
    int call(UnixSocketChannel ch) {
        PodSandboxFilter.Builder f = PodSandboxFilter.newBuilder().putAllLabelSelector(Selectors.labels(spec, labels));
        if (id != null) {
            f.setId(id);
        }
        if (state != null) {
            f.setState(PodSandboxStateValue.newBuilder().setState(Selectors.podState(spec, state)));
        }
        Pattern byName = Selectors.pattern(spec, "--name", name);
        Pattern byNamespace = Selectors.pattern(spec, "--namespace", namespace);
        List<PodSandbox> pods = runtime(ch).listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(f).build())
                .getItemsList().stream()
                .filter(p -> Selectors.matches(byName, p.getMetadata().getName()))
                .filter(p -> Selectors.matches(byNamespace, p.getMetadata().getNamespace()))
                .toList();
        if (output == OutputFormat.json) {
            out().print(ProtoJson.write(ListPodSandboxResponse.newBuilder().addAllItems(pods).build()));
        } else if (quiet) {
            pods.forEach(p -> out().println(p.getId()));
        } else {
            long now = System.currentTimeMillis();
            Table t = new Table("POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME");
            for (PodSandbox p : pods) {
                t.row(Display.shortId(p.getId(), noTrunc), Display.ago(p.getCreatedAt(), now), Display.state(p.getState()),
                        p.getMetadata().getName(), p.getMetadata().getNamespace(), String.valueOf(p.getMetadata().getAttempt()),
                        p.getRuntimeHandler().isEmpty() ? "(default)" : p.getRuntimeHandler());
            }
            t.print(out());
        }
        return 0;
    }
}
