package dev.berth.cri.containers;

import java.util.function.Predicate;

/**
 * ListContainers' and ListContainerStats' filter: an id or id prefix (crictl passes short ids), a state, a sandbox id
 * (or prefix) and labels that must all match. Unset parts match everything.
 */
final class ContainerFilter implements Predicate<ContainerView> {
    private final String id;
    private final dev.berth.api.cri.v1.ContainerState state;
    private final String sandboxId;
    private final java.util.Map<String, String> labels;

    ContainerFilter(String id, dev.berth.api.cri.v1.ContainerState state, String sandboxId,
                    java.util.Map<String, String> labels) {
        this.id = id;
        this.state = state;
        this.sandboxId = sandboxId;
        this.labels = labels;
    }

    static ContainerFilter of(dev.berth.api.cri.v1.ContainerFilter f) {
        return new ContainerFilter(f.getId(), f.hasState() ? f.getState().getState() : null, f.getPodSandboxId(),
                f.getLabelSelectorMap());
    }

    static ContainerFilter of(dev.berth.api.cri.v1.ContainerStatsFilter f) {
        return new ContainerFilter(f.getId(), null, f.getPodSandboxId(), f.getLabelSelectorMap());
    }

    @Override
    public boolean test(ContainerView v) {
        if (!id.isEmpty() && !v.record().id().startsWith(id)) {
            return false;
        }
        if (!sandboxId.isEmpty() && !v.record().sandboxId().startsWith(sandboxId)) {
            return false;
        }
        if (state != null && ContainerStatusConversion.state(v.status().state()) != state) {
            return false;
        }
        if (labels.isEmpty()) {
            return true;
        }
        java.util.Map<String, String> have = v.config().getLabelsMap();
        for (java.util.Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
