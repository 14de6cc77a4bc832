package dev.berth.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PodCgroups on a fake cgroup root: plain directories stand in for hierarchies; the kernel's part is the itest's. */
class PodCgroupsTest {
    @TempDir
    Path root;

    @Test
    void onlyCgroupfsParentsApply() {
        assertThat(PodCgroups.applies("")).isFalse();
        assertThat(PodCgroups.applies("kubepods-burstable-pod1.slice")).isFalse();
        assertThat(PodCgroups.applies("/kubepods/burstable/pod1")).isTrue();
    }

    @Test
    void aParentClimbingOutOfTheHierarchyIsRefusedNamingTheField() {
        assertThatThrownBy(() -> PodCgroups.relative("/kubepods/../../etc")).hasMessageContaining("config.linux.cgroup_parent");
        assertThatThrownBy(() -> PodCgroups.relative("a/./b")).hasMessageContaining("must not contain");
        assertThat(PodCgroups.relative("/kubepods/pod1/").toString()).isEqualTo("kubepods/pod1");
    }

    @Test
    void aV2HostHasOneHierarchyAndAHybridOneEachMountedCgroup() throws IOException {
        Files.writeString(root.resolve("cgroup.procs"), "");
        assertThat(new PodCgroups(root).hierarchies()).containsExactly(root);

        Path hybrid = Files.createDirectories(root.resolve("hybrid"));
        for (String h : new String[] {"cpuset", "memory", "unified"}) {
            Files.createDirectories(hybrid.resolve(h));
            Files.writeString(hybrid.resolve(h).resolve("cgroup.procs"), "");
        }
        Files.createDirectories(hybrid.resolve("not-a-cgroup"));
        Files.createSymbolicLink(hybrid.resolve("mem"), hybrid.resolve("memory"));
        assertThat(new PodCgroups(hybrid).hierarchies()).extracting(p -> p.getFileName().toString())
                .containsExactly("cpuset", "memory", "unified");
    }

    @Test
    void joinPutsTheProcessIntoTheLeafOfEveryHierarchyAndRemoveTakesOnlyTheLeaf() throws IOException {
        for (String h : new String[] {"cpuset", "memory"}) {
            Files.createDirectories(root.resolve(h).resolve("kubepods/pod1"));
            Files.writeString(root.resolve(h).resolve("cgroup.procs"), "");
        }
        PodCgroups cgroups = new PodCgroups(root);
        String pid = Long.toString(ProcessHandle.current().pid());

        cgroups.join("/kubepods/pod1", "sb1", ProcessHandle.current().pid());

        for (String h : new String[] {"cpuset", "memory"}) {
            assertThat(root.resolve(h).resolve("kubepods/pod1/berth-sb1/cgroup.procs")).hasContent(pid);
            // the kernel empties a cgroup as its tasks die; here the test does
            Files.delete(root.resolve(h).resolve("kubepods/pod1/berth-sb1/cgroup.procs"));
        }
        cgroups.remove("/kubepods/pod1", "sb1");
        assertThat(root.resolve("cpuset/kubepods/pod1/berth-sb1")).doesNotExist();
        assertThat(root.resolve("memory/kubepods/pod1")).isDirectory();
        cgroups.remove("/kubepods/pod1", "sb1"); // idempotent
    }
}
