package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;

import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What the itests that run containers undo after each test, pass or fail: first through the CRI, then by hand. */
final class HostCleanup {
    private HostCleanup() {
    }

    /** Stops and removes every pod (and so its containers) through the CRI; returns their ids. Never throws. */
    static List<String> removeAllPods(Berthd d) {
        List<String> ids = new ArrayList<>();
        if (!d.process().isAlive()) {
            return ids;
        }
        try {
            for (PodSandbox p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                ids.add(p.getId());
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
        } catch (RuntimeException e) {
            System.err.println("cleanup through the CRI failed, cleaning up by hand: " + e);
        }
        return ids;
    }

    /** By hand, what a daemon under {@code dir} may have left: runc containers, monitors and processes, mounts. */
    static void runtimeLeftovers(Path dir) throws IOException, InterruptedException {
        Path runcRoot = dir.resolve("state/io.berth.runtime.v2.runc/runc");
        if (Files.isDirectory(runcRoot)) {
            try (Stream<Path> ids = Files.list(runcRoot)) {
                for (Path id : ids.toList()) {
                    sh("runc", "--root", runcRoot.toString(), "delete", "--force", id.getFileName().toString());
                }
            }
        }
        for (String p : processesMentioning(dir.toString())) {
            sh("kill", "-9", p.substring(0, p.indexOf(':')));
        }
        for (Path m : mountsUnder(dir)) {
            sh("umount", "-l", m.toString());
        }
    }

    /** Removes the cgroup {@code parent} (e.g. "/berth-it-1a2b") and everything below it, in every hierarchy. */
    static void removeCgroupTree(String parent) throws IOException {
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path ctl : controllers.toList()) {
                Path cg = ctl.resolve(parent.substring(1));
                if (Files.isDirectory(cg)) {
                    try (Stream<Path> tree = Files.walk(cg)) {
                        tree.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }
}
