package dev.berth.cri.sandboxes;

import dev.berth.api.cri.v1.PodSandboxFilter;
import dev.berth.core.sandbox.SandboxStatus;
import java.util.Map;
import java.util.function.Predicate;

/**
 * ListPodSandbox's filter: an id (a prefix is enough, as crictl passes short ids), a state, and labels that must all
 * match (the CRI's MatchLabels). Unset parts match everything.
 */
public final class SandboxFilter implements Predicate<SandboxStatus> {
    private final PodSandboxFilter filter;

    public SandboxFilter(PodSandboxFilter filter) {
        this.filter = filter;
    }

    @Override
    public boolean test(SandboxStatus s) {
        if (!filter.getId().isEmpty() && !s.id().startsWith(filter.getId())) {
            return false;
        }
        if (filter.hasState() && SandboxStatusConversion.state(s.state()) != filter.getState().getState()) {
            return false;
        }
        Map<String, String> labels = s.config().labels();
        return filter.getLabelSelectorMap().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
