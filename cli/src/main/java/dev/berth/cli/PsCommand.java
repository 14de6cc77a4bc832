package dev.berth.cli;

import dev.berth.api.cri.v1.Container;
import dev.berth.api.cri.v1.ContainerFilter;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStateValue;
import dev.berth.api.cri.v1.ListContainersRequest;
import dev.berth.api.cri.v1.ListContainersResponse;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berthctl ps}: crictl's container list; running containers only unless {@code -a} or {@code --state}. */
@Command(name = "ps", description = "List containers (CRI ListContainers): CONTAINER, IMAGE, CREATED, STATE, NAME, ATTEMPT, "
        + "POD ID. Only running ones unless -a or --state.")
final class PsCommand extends CriCommand {
    @Option(names = {"-a", "--all"}, description = "Containers in every state, not only running ones.")
    boolean all;
    @Option(names = "--id", description = "Only the container whose id starts with this.")
    String id;
    @Option(names = {"-p", "--pod"}, description = "Only containers of the pod whose id starts with this.")
    String pod;
    @Option(names = "--name", paramLabel = "REGEX", description = "Only containers whose name matches.")
    String name;
    @Option(names = {"-s", "--state"}, description = "Only containers in this state: created, running, exited, unknown.")
    String state;
    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only containers with this label (repeatable).")
    List<String> labels = List.of();
    @Option(names = {"-q", "--quiet"}, description = "Only container ids.")
    boolean quiet;
    @Option(names = "--no-trunc", description = "Full ids.")
    boolean noTrunc;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
    OutputFormat output;

    @Override
    int call(UnixSocketChannel ch) {
        ContainerFilter.Builder f = ContainerFilter.newBuilder().putAllLabelSelector(Selectors.labels(spec, labels));
        if (id != null) {
            f.setId(id);
        }
        if (pod != null) {
            f.setPodSandboxId(pod);
        }
        if (state != null) {
            f.setState(ContainerStateValue.newBuilder().setState(Selectors.containerState(spec, state)));
        } else if (!all) {
            f.setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING));
        }
        Pattern byName = Selectors.pattern(spec, "--name", name);
        List<Container> containers = runtime(ch).listContainers(ListContainersRequest.newBuilder().setFilter(f).build())
                .getContainersList().stream()
                .filter(c -> Selectors.matches(byName, c.getMetadata().getName()))
                .toList();
        if (output == OutputFormat.json) {
            out().print(ProtoJson.write(ListContainersResponse.newBuilder().addAllContainers(containers).build()));
        } else if (quiet) {
            containers.forEach(c -> out().println(c.getId()));
        } else {
            long now = System.currentTimeMillis();
            Table t = new Table("CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID");
            for (Container c : containers) {
                t.row(Display.shortId(c.getId(), noTrunc), image(c), Display.ago(c.getCreatedAt(), now),
                        Display.state(c.getState()), c.getMetadata().getName(), String.valueOf(c.getMetadata().getAttempt()),
                        Display.shortId(c.getPodSandboxId(), noTrunc));
            }
            t.print(out());
        }
        return 0;
    }

    /** The image as the user named it when the runtime says; an image id shortened like the other ids. */
    private String image(Container c) {
        String i = !c.getImage().getUserSpecifiedImage().isEmpty() ? c.getImage().getUserSpecifiedImage()
                : !c.getImage().getImage().isEmpty() ? c.getImage().getImage() : c.getImageRef();
        return i.startsWith("sha256:") && !noTrunc ? ImageCommands.shortId(i) : i;
    }
}
