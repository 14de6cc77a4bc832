package dev.berth.snapshot.overlay;

import dev.berth.core.snapshot.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Run in a child JVM by {@link KillNineTest}: creates, commits and removes snapshots until it is killed. */
public final class CrashLoop {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        Random rnd = new Random(seed);
        try (OverlaySnapshotter sn = OverlaySnapshotter.open(root)) {
            // "ready" once a snapshot is committed, so that a kill under load never finds the store still empty
            boolean ready = false;
            for (long i = 0; ; i++) {
                List<String> committed = new ArrayList<>();
                List<String> all = new ArrayList<>();
                sn.walk(x -> true, info -> {
                    all.add(info.name());
                    if (info.kind() == Kind.COMMITTED) {
                        committed.add(info.name());
                    }
                });
                String parent = committed.isEmpty() || rnd.nextInt(4) == 0 ? null
                        : committed.get(rnd.nextInt(committed.size()));
                String key = "k-" + seed + "-" + i;
                int op = rnd.nextInt(10);
                if (op < 6) {
                    sn.prepare(key, parent, Map.of("i", Long.toString(i)));
                    Path d = sn.activeDir(key);
                    for (int f = 0; f < 20; f++) {
                        Files.writeString(d.resolve("f" + f), "x".repeat(f * 100));
                    }
                    if (rnd.nextBoolean()) {
                        sn.commit("c-" + seed + "-" + i, key, Map.of());
                        if (!ready) {
                            System.out.println("ready");
                            System.out.flush();
                            ready = true;
                        }
                    }
                } else if (op < 7) {
                    sn.view(key, parent, Map.of());
                } else if (!all.isEmpty()) {
                    try {
                        sn.remove(all.get(rnd.nextInt(all.size())));
                    } catch (RuntimeException e) {
                        // has children: fine
                    }
                }
            }
        }
    }
}
