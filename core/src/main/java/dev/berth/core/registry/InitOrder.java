package dev.berth.core.registry;

import dev.berth.core.plugin.Registration;
import dev.berth.core.plugin.Requirement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Orders registrations so every plugin comes after what it requires (optional requirements included), keeping
 * the given order wherever requirements allow. A cycle is an error that names every plugin on it.
 */
final class InitOrder {
    private enum Mark { VISITING, DONE }

    private final List<Registration> input;
    private final Map<Registration, Mark> marks = new HashMap<>();
    private final List<Registration> sorted = new ArrayList<>();
    private final LinkedHashSet<Registration> path = new LinkedHashSet<>();

    private InitOrder(List<Registration> input) {
        this.input = input;
    }

    static List<Registration> sort(List<Registration> registrations) throws StartupException {
        InitOrder order = new InitOrder(registrations);
        for (Registration r : registrations) {
            order.visit(r);
        }
        return order.sorted;
    }

    private void visit(Registration r) throws StartupException {
        Mark m = marks.get(r);
        if (m == Mark.DONE) {
            return;
        }
        if (m == Mark.VISITING) {
            throw new StartupException("plugin dependency cycle: " + describeCycle(r));
        }
        marks.put(r, Mark.VISITING);
        path.add(r);
        for (Registration dep : dependencies(r)) {
            visit(dep);
        }
        path.remove(r);
        marks.put(r, Mark.DONE);
        sorted.add(r);
    }

    private List<Registration> dependencies(Registration r) {
        List<Registration> deps = new ArrayList<>();
        for (Requirement req : r.requires()) {
            for (Registration other : input) {
                if (other != r && req.matches(other)) {
                    deps.add(other);
                }
            }
        }
        return deps;
    }

    private String describeCycle(Registration closing) {
        List<String> names = new ArrayList<>();
        boolean inCycle = false;
        for (Registration p : path) {
            inCycle |= p == closing;
            if (inCycle) {
                names.add(p.fullName());
            }
        }
        names.add(closing.fullName());
        return String.join(" -> ", names);
    }
}
