package dev.berth.cli;

import com.google.protobuf.Message;
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
final class PsCommand extends ListCommand<Container> {
    @Option(names = {"-a", "--all"}, description = "Containers in every state, not only running ones.")
    boolean all;
    @Option(names = {"-p", "--pod"}, description = "Only containers of the pod whose id starts with this.")
    String pod;
    @Option(names = {"-s", "--state"}, description = "Only containers in this state: created, running, exited, unknown.")
    String state;

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
        Pattern byName = namePattern();
        print(runtime(ch).listContainers(ListContainersRequest.newBuilder().setFilter(f).build())
                .getContainersList().stream()
                .filter(c -> Selectors.matches(byName, c.getMetadata().getName()))
                .toList());
        return 0;
    }

    @Override
    Message document(List<Container> containers) {
        return ListContainersResponse.newBuilder().addAllContainers(containers).build();
    }

    @Override
    String id(Container c) {
        return c.getId();
    }

    @Override
    Table table() {
        return new Table("CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID");
    }

    @Override
    String[] row(Container c, long now) {
        return new String[] {shortId(c.getId()), image(c), Display.ago(c.getCreatedAt(), now), Display.state(c.getState()),
                c.getMetadata().getName(), String.valueOf(c.getMetadata().getAttempt()), shortId(c.getPodSandboxId())};
    }

    /** The image as the user named it when the runtime says; an image id shortened like the other ids. */
    private String image(Container c) {
        String i = !c.getImage().getUserSpecifiedImage().isEmpty() ? c.getImage().getUserSpecifiedImage()
                : !c.getImage().getImage().isEmpty() ? c.getImage().getImage() : c.getImageRef();
        return i.startsWith("sha256:") && !noTrunc ? ImageCommands.shortId(i) : i;
    }
}
