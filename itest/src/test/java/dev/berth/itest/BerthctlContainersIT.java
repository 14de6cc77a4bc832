package dev.berth.itest;

import static dev.berth.itest.PodSandboxIT.mountsUnder;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static dev.berth.itest.PodSandboxIT.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.berth.api.cri.v1.ListPodSandboxRequest;
import dev.berth.api.cri.v1.PodSandbox;
import dev.berth.api.cri.v1.RemovePodSandboxRequest;
import dev.berth.api.cri.v1.ReopenContainerLogRequest;
import dev.berth.api.cri.v1.StopPodSandboxRequest;
import dev.berth.itest.registry.LocalRegistry;
import dev.berth.itest.registry.Registries;
import dev.berth.itest.registry.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * berthctl's pod and container commands (runp, create, start, ps, pods, exec, logs, inspect, inspectp, stats, stop,
 * rm, stopp, rmp) run as an operator types them, against a real berthd with runc under conmon and an image from a
 * local registry. The pod uses host networking and its own cgroup parent, removed after the test, pass or fail.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class BerthctlContainersIT {
    private static final String UNKNOWN = "0123456789abcdef0123";

    private final List<Berthd> daemons = new ArrayList<>();
    private final String cgroupParent = "/berth-it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;
    private String sock;

    @BeforeAll
    static void requireRootRuncConmon() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")) || Files.isExecutable(Path.of("/usr/libexec/podman/conmon")),
                "needs conmon");
    }

    @Test
    void podAndContainerLifecycleAsAnOperatorTypesIt(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = s.config();
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        sock = d.socket().toString();
        LocalRegistry reg = r.start();
        TestImages.Pushed busybox = reg.push(r.build(TestImages.busybox(), "1"), "busybox:1");
        ok("pull", busybox.reference());

        // the files an operator writes, in crictl's (Go JSON tag) spelling
        Path podJson = dir.resolve("pod.json");
        Files.writeString(podJson, """
                {
                  "metadata": {"name": "web", "namespace": "itest", "uid": "uid-web", "attempt": 1},
                  "log_directory": "%s",
                  "labels": {"app": "web"},
                  "linux": {
                    "cgroup_parent": "%s",
                    "security_context": {"namespace_options": {"network": "NODE", "pid": "CONTAINER"}}
                  }
                }
                """.formatted(dir.resolve("logs/web"), cgroupParent));
        Path ctrJson = dir.resolve("container.json");
        Files.writeString(ctrJson, """
                {
                  "metadata": {"name": "app"},
                  "image": {"image": "%s"},
                  "command": ["sh", "-c", "echo hello-out; echo hello-err >&2; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done"],
                  "labels": {"role": "ticker"},
                  "log_path": "app/0.log",
                  "linux": {"security_context": {"namespace_options": {"network": 2, "pid": "CONTAINER"}}}
                }
                """.formatted(busybox.reference()));

        // runp → create → start
        String pod = ok("runp", podJson.toString()).output().trim();
        assertThat(pod).matches("[0-9a-f]{64}");
        String podShort = pod.substring(0, 13);
        String id = ok("create", pod.substring(0, 12), ctrJson.toString(), podJson.toString()).output().trim();
        assertThat(id).matches("[0-9a-f]{64}");
        String idShort = id.substring(0, 13);

        assertThat(ok("ps").output()).as("only running ones by default").doesNotContain(idShort);
        assertThat(ok("ps", "-a").output()).containsPattern("CONTAINER +IMAGE +CREATED +STATE +NAME +ATTEMPT +POD ID")
                .containsPattern(idShort + " +" + Pattern.quote(busybox.reference()) + " +.+ ago +Created +app +0 +" + podShort);
        assertThat(ok("start", id.substring(0, 10)).output().trim()).isEqualTo(id.substring(0, 10));

        // ps and its filters
        assertThat(ok("ps").output()).containsPattern(idShort + " +.+ +Running +app +0 +" + podShort);
        assertThat(ok("ps", "-q").output().trim()).isEqualTo(id);
        assertThat(ok("ps", "--pod", podShort, "--name", "^ap", "--label", "role=ticker", "-q").output().trim()).isEqualTo(id);
        assertThat(ok("ps", "-a", "--name", "nomatch", "-q").output()).isBlank();
        assertThat(ok("ps", "--state", "exited", "-q").output()).isBlank();
        assertThat(ok("ps", "-o", "json").output()).contains("\"containers\"", "\"id\": \"" + id + "\"", "CONTAINER_RUNNING");

        // pods and its filters
        assertThat(ok("pods").output()).containsPattern("POD ID +CREATED +STATE +NAME +NAMESPACE +ATTEMPT +RUNTIME")
                .containsPattern(podShort + " +.+ ago +Ready +web +itest +1 +\\S+");
        assertThat(ok("pods", "-q", "--name", "we", "--namespace", "^itest$", "--label", "app=web", "--state", "ready",
                "--id", pod.substring(0, 8)).output().trim()).isEqualTo(pod);
        assertThat(ok("pods", "-q", "--namespace", "other").output()).isBlank();
        assertThat(ok("pods", "-q", "--state", "notready").output()).isBlank();
        assertThat(ok("pods", "-o", "json").output()).contains("\"items\"", pod, "\"namespace\": \"itest\""); // READY is the default: left out

        // exec: output and exit code come through
        assertThat(ok("exec", idShort, "echo", "from-exec").output()).isEqualTo("from-exec\n");
        Berthctl.Result failing = Berthctl.run("-r", sock, "exec", idShort, "sh", "-c", "echo to-out; echo to-err >&2; exit 3");
        assertThat(failing.exitCode()).isEqualTo(3);
        assertThat(failing.output()).contains("to-out\n", "to-err\n");
        // -t streams through the runtime's streaming server instead (more in BerthctlStreamingIT)
        Berthctl.Result viaTty = Berthctl.run("-r", sock, "exec", "-t", idShort, "sh", "-c", "echo via-tty; exit 4");
        assertThat(viaTty.exitCode()).isEqualTo(4);
        assertThat(viaTty.output()).contains("via-tty");

        // logs
        Path log = dir.resolve("logs/web/app/0.log");
        await(() -> Berthctl.run("-r", sock, "logs", idShort).output(), o -> o.contains("tick-3"), "logs show ticks");
        String logs = ok("logs", idShort).output();
        assertThat(logs).contains("hello-out\n", "hello-err\n", "tick-1\n", "tick-2\n").doesNotContain("stdout F");
        String last = ok("logs", "--tail", "1", idShort).output();
        assertThat(last.lines().toList()).singleElement().satisfies(l -> assertThat(l).startsWith("tick-"));
        assertThat(ok("logs", "-t", "--tail", "1", idShort).output()).containsPattern("^\\d{4}-\\d\\d-\\d\\dT\\S+ tick-\\d+\n$");

        // inspect, inspectp, stats
        JsonObject inspect = JsonParser.parseString(ok("inspect", idShort).output()).getAsJsonObject();
        assertThat(inspect.getAsJsonObject("status").get("id").getAsString()).isEqualTo(id);
        assertThat(inspect.getAsJsonObject("status").get("state").getAsString()).isEqualTo("CONTAINER_RUNNING");
        assertThat(inspect.getAsJsonObject("info").get("pid").getAsLong()).isPositive();
        JsonObject inspectp = JsonParser.parseString(ok("inspectp", podShort).output()).getAsJsonObject();
        assertThat(inspectp.getAsJsonObject("status").get("id").getAsString()).isEqualTo(pod);
        assertThat(inspectp.getAsJsonObject("status").has("state")).as("SANDBOX_READY, the default, is left out").isFalse();
        assertThat(inspectp.has("info")).isTrue();
        String stats = ok("stats").output();
        assertThat(stats).containsPattern("CONTAINER +NAME +CPU % +MEM +DISK +INODES")
                .containsPattern(idShort + " +app +\\d+\\.\\d\\d +[0-9.]+[kMG]?B +\\S+ +\\S+");
        assertThat(ok("stats", idShort, "-s", "0").output()).contains(idShort);
        assertThat(ok("stats", "-o", "json").output()).contains("\"stats\"", id);

        // logs -f follows the file across the kubelet's rotation and ends when the container stops
        Path followed = dir.resolve("follow.out");
        Process follow = new ProcessBuilder(Berthd.HOME.resolve("bin/berthctl").toString(), "-r", sock, "logs", "-f", idShort)
                .redirectErrorStream(true).redirectOutput(followed.toFile()).start();
        try {
            await(() -> Files.readString(followed), o -> o.contains("hello-out") && o.contains("tick-"), "logs -f starts");
            Files.move(log, log.resolveSibling("0.log.1"));
            d.runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
            String firstNew = await(() -> Files.exists(log) ? Files.readString(log) : "", t -> t.contains("tick-"),
                    "a tick in the new log file");
            Matcher m = Pattern.compile("tick-(\\d+)").matcher(firstNew);
            assertThat(m.find()).isTrue();
            String newTick = "tick-" + m.group(1) + "\n";
            await(() -> Files.readString(followed), o -> o.contains(newTick), "logs -f sees " + newTick.trim() + " after rotation");

            // stop (sh as pid 1 ignores SIGTERM: -t 1 ends in SIGKILL); logs -f notices and ends
            assertThat(ok("stop", "-t", "1", idShort).output().trim()).isEqualTo(idShort);
            assertThat(follow.waitFor(20, TimeUnit.SECONDS)).as("logs -f ends when the container stops").isTrue();
            assertThat(follow.exitValue()).isZero();
        } finally {
            follow.destroyForcibly();
        }
        String followedText = Files.readString(followed, StandardCharsets.UTF_8);
        assertThat(followedText.lines().filter(l -> l.equals("hello-out")).count()).as("no line twice").isEqualTo(1);
        assertThat(ok("ps", "-a").output()).containsPattern(idShort + " +.+ +Exited +app");

        // rm, and rm -f of a running one
        assertThat(ok("rm", idShort).output().trim()).isEqualTo(idShort);
        assertThat(ok("ps", "-a", "-q").output()).isBlank();
        String second = ok("create", pod, ctrJson.toString(), podJson.toString()).output().trim();
        ok("start", second);
        Berthctl.Result refused = Berthctl.run("-r", sock, "rm", second);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("is running", "rm -f");
        ok("rm", "-f", second);
        assertThat(ok("ps", "-a", "-q").output()).isBlank();

        // the pod: rmp refuses a ready one, stopp then rmp
        Berthctl.Result notStopped = Berthctl.run("-r", sock, "rmp", podShort);
        assertThat(notStopped.exitCode()).isEqualTo(1);
        assertThat(notStopped.output()).contains("is ready", "rmp -f");
        assertThat(ok("stopp", podShort).output()).contains("Stopped sandbox " + podShort);
        assertThat(ok("pods").output()).containsPattern(podShort + " +.+ +NotReady +web");
        assertThat(ok("rmp", podShort).output()).contains("Removed sandbox " + podShort);
        assertThat(ok("pods", "-q").output()).isBlank();

        // rmp -f of a ready pod with a container in it
        String pod2 = ok("runp", podJson.toString()).output().trim();
        ok("start", ok("create", pod2, ctrJson.toString(), podJson.toString()).output().trim());
        ok("rmp", "-f", pod2);
        assertThat(ok("pods", "-q").output()).isBlank();
        assertThat(ok("ps", "-a", "-q").output()).isBlank();

        // unknown ids: exit 1 and a message naming the id
        for (List<String> cmd : List.of(List.of("start", UNKNOWN), List.of("stop", UNKNOWN), List.of("rm", UNKNOWN),
                List.of("inspect", UNKNOWN), List.of("logs", UNKNOWN), List.of("exec", UNKNOWN, "true"),
                List.of("stats", UNKNOWN), List.of("stopp", UNKNOWN), List.of("rmp", UNKNOWN), List.of("inspectp", UNKNOWN),
                List.of("create", UNKNOWN, ctrJson.toString(), podJson.toString()))) {
            List<String> args = new ArrayList<>(List.of("-r", sock));
            args.addAll(cmd);
            Berthctl.Result res = Berthctl.run(args.toArray(String[]::new));
            assertThat(res.exitCode()).as(String.join(" ", cmd) + ": " + res.output()).isEqualTo(1);
            assertThat(res.output()).as(String.join(" ", cmd)).contains("NOT_FOUND", UNKNOWN);
        }
        Berthctl.Result badJson = Berthctl.run("-r", sock, "runp", ctrJson.toString());
        assertThat(badJson.exitCode()).isEqualTo(1);
        assertThat(badJson.output()).contains(ctrJson.toString(), "$.image", "runtime.v1.PodSandboxConfig");
    }

    // ------------------------------------------------------------------ helpers

    /** Runs berthctl against this test's daemon; it must succeed. */
    private Berthctl.Result ok(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-r", sock));
        all.addAll(List.of(args));
        Berthctl.Result res = Berthctl.run(all.toArray(String[]::new));
        assertThat(res.exitCode()).as("berthctl " + String.join(" ", args) + ":\n" + res.output()).isZero();
        return res;
    }

    @FunctionalInterface
    private interface Probe {
        String get() throws Exception;
    }

    private static String await(Probe probe, Predicate<String> done, String what) throws Exception {
        String last = "";
        for (int i = 0; i < 150; i++) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + ": not within 15 s; last seen:\n" + last);
    }

    // ------------------------------------------------------------------ cleanup (as ContainersIT's)

    @AfterEach
    void cleanUp() throws Exception {
        for (Berthd d : daemons) {
            HostCleanup.removeAllPods(d);
            d.close();
        }
        if (dir == null) {
            return;
        }
        HostCleanup.runtimeLeftovers(dir);
        HostCleanup.removeCgroupTree(cgroupParent);
        assertThat(mountsUnder(dir)).as("mounts left under " + dir).isEmpty();
        assertThat(processesMentioning(dir.toString())).as("processes left (conmon, containers)").isEmpty();
    }
}
