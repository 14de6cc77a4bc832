package dev.berth.itest;

import static dev.berth.itest.CriPods.awaitExited;
import static dev.berth.itest.CriPods.status;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.AttachRequest;
import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.api.cri.v1.PortForwardRequest;
import dev.berth.api.cri.v1.StopContainerRequest;
import dev.berth.itest.registry.Registries;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Exec, attach and port-forward end to end: a real kubectl (Debian's kubernetes-client, or whatever kubectl the host
 * has) talks through {@link KubeApiShim} — standing in for the API server and kubelet — to berthd's streaming server,
 * over WebSocket where that kubectl prefers it and over SPDY/3.1 where told to (or where it knows nothing else).
 * The URL rules (single use, expiry, idle connections) are checked at the byte level with {@link RawWebSocket}.
 *
 * <p>Pods get their own network namespace from a loopback-only CNI network, so port-forward has to reach into it.
 * After each test, pass or fail, pods, runc containers, monitors, mounts and cgroups are removed.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class StreamingIT {
    private static final String CRI = "io.berth.grpc.v1.cri";
    private static final String NO_WEBSOCKETS = "KUBECTL_REMOTE_COMMAND_WEBSOCKETS";

    private final List<Berthd> daemons = new ArrayList<>();
    private final List<Process> kubectls = new ArrayList<>();
    private final String cgroupParent = "/berth-streamit-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;
    private KubeApiShim api;

    @BeforeAll
    static void requireRootRuncConmonKubectl() {
        CriPods.assumeRootRuncConmonLoopbackCni();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "needs kubectl (Debian's kubernetes-client)");
    }

    // ------------------------------------------------------------------ tests

    @Test
    void kubectlExecsOverWebSocketAndOverSpdy(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, CriPods.loopbackNetwork(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "shell");
        String app = create(d, pod, "app", image, List.of("sleep", "3600"), c -> c);
        shim(d).addPod("shell", new KubeApiShim.Pod(pod, Map.of("app", app)));

        for (Map<String, String> transport : List.of(Map.<String, String>of(), Map.of(NO_WEBSOCKETS, "false"))) {
            String how = transport.isEmpty() ? "kubectl's default transport" : "SPDY";
            Run echo = kubectl(transport, null, "exec", "shell", "-c", "app", "--", "echo", "hello", "world");
            assertThat(echo.code()).as(how + ": " + echo).isZero();
            assertThat(echo.out()).as(how).isEqualTo("hello world\n");

            Run cat = kubectl(transport, "round trip\nsecond line\n".getBytes(StandardCharsets.UTF_8),
                    "exec", "-i", "shell", "-c", "app", "--", "sh", "-c", "cat; echo stdin-closed");
            assertThat(cat.code()).as(how + ": " + cat).isZero();
            assertThat(cat.out()).as(how).isEqualTo("round trip\nsecond line\nstdin-closed\n");

            Run fail = kubectl(transport, null, "exec", "shell", "-c", "app", "--", "sh", "-c", "echo to-err >&2; exit 3");
            assertThat(fail.code()).as(how + ": " + fail).isEqualTo(3);
            assertThat(fail.err()).as(how).contains("to-err");
            assertThat(fail.out()).as(how).isEmpty();

            Run big = kubectl(transport, null, "exec", "shell", "-c", "app", "--", "head", "-c", "10485760", "/dev/zero");
            assertThat(big.code()).as(how + ": exit").isZero();
            assertThat(big.stdout.length).as(how + ": 10 MiB through stdout, no flow-control stall").isEqualTo(10485760);

            // A terminal: kubectl under script(1) sends its terminal's size on the resize stream.
            Run tty = script(transport, "stty cols 123 rows 45; " + kubectlLine() + " exec -it shell -c app -- stty size");
            assertThat(tty.out()).as(how + ": " + tty).contains("45 123");
        }

        Run missing = kubectl(Map.of(), null, "exec", "shell", "-c", "app", "--", "no-such-command");
        assertThat(missing.code()).as(missing.toString()).isNotZero();

        // The exec'd processes are all gone, and the container still runs.
        assertThat(processesMentioning("stdin-closed")).isEmpty();
        assertThat(status(d, app).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void kubectlAttachesAndForwardsPortsIntoThePod(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, CriPods.loopbackNetwork(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "att");
        String ticker = create(d, pod, "ticker", image, List.of("sh", "-c",
                "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"), c -> c);
        String cat = create(d, pod, "cat", image, List.of("cat"), c -> c.setStdin(true).setStdinOnce(true));
        String web = create(d, pod, "web", image, List.of("sh", "-c",
                "mkdir -p /tmp/www && echo hello-from-the-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"),
                c -> c);
        shim(d).addPod("att", new KubeApiShim.Pod(pod, Map.of("ticker", ticker, "cat", cat, "web", web)));

        // attach without stdin: new output arrives; leaving does not stop the container
        Process watch = launch(Map.of(), "attach", "att", "-c", "ticker");
        String seen = readUntil(watch.getInputStream(), Pattern.compile("tick \\d+\\n"), Duration.ofSeconds(20));
        assertThat(seen).containsPattern("tick \\d+");
        watch.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(status(d, ticker).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

        // attach with stdin to a stdin_once container: input reaches it, and the end of input ends it
        Run echoed = kubectl(Map.of(), "through attach\n".getBytes(StandardCharsets.UTF_8), "attach", "-i", "att", "-c", "cat");
        assertThat(echoed.out()).as(echoed.toString()).contains("through attach");
        ContainerStatus exited = awaitExited(d, cat);
        assertThat(exited.getExitCode()).isZero();

        // port-forward: kubectl listens on a free local port and reaches httpd on the pod's own loopback
        Process forward = launch(Map.of(), "port-forward", "pod/att", ":8080");
        String line = readUntil(forward.getInputStream(), Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 8080"),
                Duration.ofSeconds(20));
        Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+) -> 8080").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        int local = Integer.parseInt(m.group(1));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> gets = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gets.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + "/index.html"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> g : gets) {
            HttpResponse<String> resp;
            try {
                resp = g.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                String more = readUntil(forward.getInputStream(), Pattern.compile("\\z\\A"), Duration.ofSeconds(2));
                throw new AssertionError("GET through kubectl port-forward failed (kubectl "
                        + (forward.isAlive() ? "runs" : "exited " + forward.exitValue()) + "); it said: " + line + more, e);
            }
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("hello-from-the-pod\n");
        }
        forward.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void urlsAreSingleUseExpireAndIdleConnectionsAreClosed(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = CriPods.loopbackNetwork(s.config());
        c.append("[plugins.\"" + CRI + "\"]\nstream_token_ttl = \"2s\"\nstream_idle_timeout = \"2s\"\n");
        Berthd d = start(s, c);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "raw");
        String app = create(d, pod, "app", image, List.of("sleep", "3600"), x -> x);

        // v5 over WebSocket by hand: stdin in, stdin closed with the close signal, output and status back
        String url = execUrl(d, app, true, "sh", "-c", "cat; echo closed");
        try (RawWebSocket ws = RawWebSocket.connect(url, "v5.channel.k8s.io")) {
            assertThat(ws.status).as(ws.responseHead).isEqualTo(101);
            assertThat(ws.responseHead).containsIgnoringCase("Sec-WebSocket-Protocol: v5.channel.k8s.io");
            ws.send(0, "over v5\n".getBytes(StandardCharsets.UTF_8));
            ws.send(255, new byte[] {0});
            StringBuilder stdout = new StringBuilder();
            String status = null;
            for (RawWebSocket.Frame f; (f = ws.read()) != null && f.opcode() != 8; ) {
                if (f.channel() == 1) {
                    stdout.append(f.data());
                } else if (f.channel() == 3 && f.payload().length > 1) {
                    status = f.data();
                }
            }
            assertThat(stdout.toString()).isEqualTo("over v5\nclosed\n");
            assertThat(status).contains("\"status\":\"Success\"");
        }

        // the same URL again: gone
        try (RawWebSocket again = RawWebSocket.connect(url, "v4.channel.k8s.io")) {
            assertThat(again.status).isEqualTo(404);
        }
        // an unused URL past its lifetime: gone
        String late = execUrl(d, app, false, "true");
        Thread.sleep(2500);
        try (RawWebSocket expired = RawWebSocket.connect(late, "v4.channel.k8s.io")) {
            assertThat(expired.status).isEqualTo(404);
        }
        // a made-up token, and a protocol the server does not speak
        String made = url.substring(0, url.lastIndexOf('/') + 1) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        try (RawWebSocket bogus = RawWebSocket.connect(made, "v4.channel.k8s.io")) {
            assertThat(bogus.status).isEqualTo(404);
        }
        try (RawWebSocket unknown = RawWebSocket.connect(execUrl(d, app, false, "true"), "v9.channel.example")) {
            assertThat(unknown.status).isBetween(400, 499);
        }

        // A connection nobody uses is closed after the idle timeout, and its process killed.
        try (RawWebSocket idle = RawWebSocket.connect(execUrl(d, app, false, "sleep", "1717"), "v4.channel.k8s.io")) {
            assertThat(idle.status).isEqualTo(101);
            long t0 = System.nanoTime();
            idle.soTimeout(20_000);
            while (true) {
                RawWebSocket.Frame f = idle.read();
                if (f == null || f.opcode() == 8) {
                    break;
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(15));
        }
        awaitNoProcess("sleep 1717");

        // A client that goes away mid-command takes the command with it.
        try (RawWebSocket gone = RawWebSocket.connect(execUrl(d, app, false, "sleep", "1718"), "v4.channel.k8s.io")) {
            assertThat(gone.status).isEqualTo(101);
            for (int i = 0; i < 100 && processesMentioning("sleep 1718").isEmpty(); i++) {
                Thread.sleep(50);
            }
            assertThat(processesMentioning("sleep 1718")).as("the exec'd command runs").isNotEmpty();
        }
        awaitNoProcess("sleep 1718");
    }

    @Test
    void tlsStreamingServesHttpsUrlsWithASelfSignedCertificate(Daemons.Session s, Registries r) throws Exception {
        TestConfig c = CriPods.loopbackNetwork(s.config());
        c.append("[plugins.\"" + CRI + "\"]\nenable_tls_streaming = true\n");
        Berthd d = start(s, c);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "tls");
        String app = create(d, pod, "app", image, List.of("sleep", "3600"), x -> x);
        String url = execUrl(d, app, false, "echo", "over", "tls");
        assertThat(url).startsWith("https://127.0.0.1:");
        try (RawWebSocket ws = RawWebSocket.connect(url, "v4.channel.k8s.io")) {
            assertThat(ws.status).as(ws.responseHead).isEqualTo(101);
            StringBuilder stdout = new StringBuilder();
            for (RawWebSocket.Frame f; (f = ws.read()) != null && f.opcode() != 8; ) {
                if (f.channel() == 1) {
                    stdout.append(f.data());
                }
            }
            assertThat(stdout.toString()).isEqualTo("over tls\n");
        }
        assertThat(d.log()).containsPattern("(?i)sha-?256");
    }

    @Test
    void badStreamingRequestsAreRefusedAtTheCriCall(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s, CriPods.loopbackNetwork(s.config()));
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "bad");
        String app = create(d, pod, "app", image, List.of("sleep", "3600"), c -> c);

        expect(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId(app).addCmd("true").build()),
                Status.Code.INVALID_ARGUMENT, "stdin, stdout and stderr");
        expect(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId(app).addCmd("true").setTty(true)
                .setStdout(true).setStderr(true).build()), Status.Code.INVALID_ARGUMENT, "stderr");
        expect(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId("nope").addCmd("true").setStdout(true)
                .build()), Status.Code.NOT_FOUND, "nope");
        expect(() -> d.runtime().attach(AttachRequest.newBuilder().setContainerId(app).setStdout(true).setTty(true)
                .build()), Status.Code.INVALID_ARGUMENT, "tty");
        expect(() -> d.runtime().attach(AttachRequest.newBuilder().setContainerId(app).setStdin(true).setStdout(true)
                .build()), Status.Code.FAILED_PRECONDITION, "stdin");
        expect(() -> d.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId(pod).addPort(70000).build()),
                Status.Code.INVALID_ARGUMENT, "port");
        expect(() -> d.runtime().portForward(PortForwardRequest.newBuilder().setPodSandboxId("nope").build()),
                Status.Code.NOT_FOUND, "nope");

        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(app).setTimeout(1).build());
        expect(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId(app).addCmd("true").setStdout(true).build()),
                Status.Code.FAILED_PRECONDITION, "not running");
        expect(() -> d.runtime().attach(AttachRequest.newBuilder().setContainerId(app).setStdout(true).build()),
                Status.Code.FAILED_PRECONDITION, "not running");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : kubectls) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (api != null) {
            api.close();
        }
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ helpers

    private Berthd start(Daemons.Session s, TestConfig c) throws Exception {
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        return d;
    }

    private KubeApiShim shim(Berthd d) throws IOException {
        api = new KubeApiShim(d);
        return api;
    }

    private String runPod(Berthd d, String name) {
        return CriPods.runPod(d, dir, cgroupParent, name, NamespaceMode.POD, NamespaceMode.CONTAINER);
    }

    /** Creates and starts a container in the pod's network. */
    private static String create(Berthd d, String pod, String name, String image, List<String> command,
                                 UnaryOperator<ContainerConfig.Builder> more) {
        return CriPods.createAndStart(d, pod, name, image, command, NamespaceMode.POD, more);
    }

    private static String execUrl(Berthd d, String id, boolean stdin, String... cmd) {
        return d.runtime().exec(ExecRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd)).setStdin(stdin)
                .setStdout(true).setStderr(true).build()).getUrl();
    }

    private static void awaitNoProcess(String text) throws Exception {
        for (int i = 0; i < 200 && !processesMentioning(text).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(processesMentioning(text)).as("processes running " + text).isEmpty();
    }

    // ---- kubectl

    private record Run(int code, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + code + ", stdout " + (stdout.length > 2000 ? stdout.length + " bytes" : "'" + out() + "'")
                    + ", stderr '" + err + "'";
        }
    }

    private List<String> kubectlArgs(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl", "--server", api.url(), "--cache-dir",
                dir.resolve("kube-cache").toString(), "--request-timeout=60s"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private String kubectlLine() {
        return String.join(" ", kubectlArgs());
    }

    private ProcessBuilder kubectlProcess(Map<String, String> env, List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HOME", dir.toString());
        pb.environment().putAll(env);
        return pb;
    }

    /** Runs kubectl to the end (at most 60 s) with {@code stdin} (null: none). */
    private Run kubectl(Map<String, String> env, byte[] stdin, String... args) throws Exception {
        return run(kubectlProcess(env, kubectlArgs(args)), stdin);
    }

    /** Runs a shell line under script(1), so that it has a terminal. */
    private Run script(Map<String, String> env, String line) throws Exception {
        return run(kubectlProcess(env, List.of("script", "-qfec", line, "/dev/null")), null);
    }

    private Run run(ProcessBuilder pb, byte[] stdin) throws Exception {
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        kubectls.add(p);
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl did not finish within 60 s: " + pb.command());
        }
        return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS),
                new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    /** Starts a kubectl that keeps running (attach, port-forward); stderr goes into stdout. */
    private Process launch(Map<String, String> env, String... args) throws IOException {
        Process p = kubectlProcess(env, kubectlArgs(args)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        kubectls.add(p);
        return p;
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Reads {@code in} until {@code pattern} is found in what came, at most {@code limit}; returns what came. */
    private static String readUntil(InputStream in, Pattern pattern, Duration limit) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        CompletableFuture<String> found = CompletableFuture.supplyAsync(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (seen) {
                        seen.write(buf, 0, n);
                        if (pattern.matcher(seen.toString(StandardCharsets.UTF_8)).find()) {
                            return seen.toString(StandardCharsets.UTF_8);
                        }
                    }
                }
            } catch (IOException e) {
                // ended
            }
            synchronized (seen) {
                return seen.toString(StandardCharsets.UTF_8);
            }
        });
        try {
            return found.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            synchronized (seen) {
                throw new AssertionError("no " + pattern + " within " + limit + " in: " + seen.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private static void expect(Runnable call, Status.Code code, String inMessage) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(inMessage);
        });
    }
}
