package dev.berth.itest;

import static dev.berth.itest.CriPods.awaitExited;
import static dev.berth.itest.CriPods.status;
import static dev.berth.itest.PodSandboxIT.processesMentioning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.api.cri.v1.ContainerConfig;
import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.NamespaceMode;
import dev.berth.itest.registry.Registries;
import java.io.ByteArrayOutputStream;
import java.io.File;
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
 * berthctl's streaming commands — {@code exec -i/-t}, {@code attach}, {@code port-forward} — run as the built
 * {@code bin/berthctl} against a real berthd, through its streaming server over WebSocket. A terminal comes from
 * script(1). Pods get their own network namespace with only loopback in it (a loopback-only CNI network), so
 * port-forward has to reach into it.
 *
 * <p>After each test, pass or fail: berthctl processes killed, pods, runc containers, monitors, mounts and cgroups
 * removed.
 */
@ExtendWith({Daemons.class, Registries.Extension.class})
class BerthctlStreamingIT {
    private static final String UNKNOWN = "0123456789abcdef0123";

    private final List<Berthd> daemons = new ArrayList<>();
    private final List<Process> launched = new ArrayList<>();
    private final String cgroupParent = "/berth-ctlstream-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    private Path dir;
    private String sock;

    @BeforeAll
    static void requireRootRuncConmonCniScript() {
        CriPods.assumeRootRuncConmonLoopbackCni();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "needs script(1) for a terminal");
    }

    // ------------------------------------------------------------------ tests

    @Test
    void execStreamsStdinOutputExitCodesAndATerminal(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "shell");
        String app = create(d, pod, "app", image, List.of("sleep", "3600"), c -> c).substring(0, 12);

        // -i: stdin goes in, its end reaches the command (v5 close signal), the output comes back
        Run cat = berthctl("hello".getBytes(StandardCharsets.UTF_8), "exec", "-i", app, "sh", "-c", "cat; echo done");
        assertThat(cat.code()).as(cat.toString()).isZero();
        assertThat(cat.out()).isEqualTo("hellodone\n");
        assertThat(cat.err()).isEmpty();

        // the exit code comes through, stderr stays stderr
        Run exit3 = berthctl(new byte[0], "exec", "-i", app, "sh", "-c", "echo to-err >&2; exit 3");
        assertThat(exit3.code()).as(exit3.toString()).isEqualTo(3);
        assertThat(exit3.err()).isEqualTo("to-err\n");
        assertThat(exit3.out()).isEmpty();
        assertThat(berthctl(null, "exec", "-t", app, "sh", "-c", "exit 3").code()).as("-t without a terminal").isEqualTo(3);

        // 1 MiB through stdout and back through stdin: no stall, nothing lost
        byte[] mib = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(mib);
        Run big = berthctl(mib, "exec", "-i", app, "cat");
        assertThat(big.code()).as("exit of cat").isZero();
        assertThat(big.stdout()).isEqualTo(mib);

        // -t in a terminal: the local size is the remote terminal's from the start
        Run size = script("stty cols 91 rows 33; " + berthctlLine() + " exec -t " + app + " stty size");
        assertThat(size.out()).as(size.toString()).contains("33 91");

        // -it in a terminal: raw mode while it runs (no local echo, no line editing), the settings back afterwards
        String modes = "$(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ' ')";
        // (the remote command starts only once berthctl has switched modes and sent the size, so it outlasts the poll)
        String awaitRaw = "for i in $(seq 100); do stty -a | grep -q -- -icanon && break; sleep 0.1; done; ";
        Run raw = script("stty cols 80 rows 24 echo icanon; " + berthctlLine() + " exec -it " + app
                + " sh -c 'stty size; sleep 3' </dev/tty & " + awaitRaw + "echo \"during: " + modes + "\"; wait; echo \"after: "
                + modes + "\"");
        assertThat(raw.out()).as(raw.toString()).contains("24 80", "during: -icanon -echo ", "after: icanon echo ");

        // a change of the local terminal's size (SIGWINCH) reaches the remote terminal
        Run resized = script("stty cols 80 rows 24; " + berthctlLine() + " exec -it " + app
                + " sh -c 'sleep 2; stty size' </dev/tty & " + awaitRaw + "stty cols 100 rows 40; wait");
        assertThat(resized.out()).as(resized.toString()).contains("40 100");

        // errors: an unknown container, a stopped one
        Run unknown = berthctl(null, "exec", "-it", UNKNOWN, "sh");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("NOT_FOUND", UNKNOWN);
        assertThat(processesMentioning("echo done")).as("exec'd processes are gone").isEmpty();
        assertThat(status(d, app).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void attachFollowsOutputAndPassesStdin(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "att");
        String ticker = create(d, pod, "ticker", image, List.of("sh", "-c",
                "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"), c -> c);
        String cat = create(d, pod, "cat", image, List.of("sh", "-c", "cat; echo stdin-ended"),
                c -> c.setStdin(true).setStdinOnce(true));

        // new output arrives; berthctl is killed (the user's Ctrl-C), the container runs on
        Process watch = launch("attach", ticker.substring(0, 12));
        String seen = readUntil(watch.getInputStream(), Pattern.compile("tick \\d+\\n"), Duration.ofSeconds(20));
        assertThat(seen).containsPattern("tick \\d+");
        watch.destroy();
        assertThat(watch.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(status(d, ticker).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

        // -i to a stdin_once container: input reaches it, its end ends the container, and so the attach (exit 0)
        Run through = berthctl("through attach\n".getBytes(StandardCharsets.UTF_8), "attach", "-i", cat);
        assertThat(through.code()).as(through.toString()).isZero();
        assertThat(through.out()).contains("through attach\n", "stdin-ended\n");
        ContainerStatus ended = awaitExited(d, cat);
        assertThat(ended.getExitCode()).isZero();

        // attaching to a container that has exited is refused by the runtime: exit 1 with its message
        Run late = berthctl(null, "attach", cat);
        assertThat(late.code()).isEqualTo(1);
        assertThat(late.err()).contains("FAILED_PRECONDITION", "not running");
    }

    @Test
    void portForwardReachesHttpdInThePodsOwnNetwork(Daemons.Session s, Registries r) throws Exception {
        Berthd d = start(s);
        String image = CriFixtures.pushAndPullBusybox(d, r);
        String pod = runPod(d, "web");
        create(d, pod, "web", image, List.of("sh", "-c",
                "mkdir -p /tmp/www && echo hello-from-the-pod > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"),
                c -> c);

        // 8080 has httpd; 8081 has nothing listening in the pod
        Process forward = launch("port-forward", pod.substring(0, 12), ":8080", "0:8081");
        String said = readUntil(forward.getInputStream(),
                Pattern.compile("(?s)Forwarding from 127\\.0\\.0\\.1:\\d+ -> 8080\\n.*Forwarding from 127\\.0\\.0\\.1:\\d+ -> 8081\\n"),
                Duration.ofSeconds(20));
        int web = localPort(said, 8080);
        int nothing = localPort(said, 8081);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < 2; i++) { // two local connections: each one its own PortForward and WebSocket
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/index.html"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as("GET " + i).isEqualTo(200);
            assertThat(resp.body()).isEqualTo("hello-from-the-pod\n");
        }

        // the runtime's error for the empty port reaches berthctl's stderr; that connection is closed
        try (java.net.Socket conn = new java.net.Socket("127.0.0.1", nothing)) {
            conn.setSoTimeout(20_000);
            conn.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(conn.getInputStream().read()).as("closed without data").isEqualTo(-1);
        }
        String more = readUntil(forward.getInputStream(), Pattern.compile("127\\.0\\.0\\.1:" + nothing + " -> 8081: .*8081.*\\n"),
                Duration.ofSeconds(20));
        assertThat(said + more).contains("Handling connection for 8080");
        assertThat(forward.isAlive()).as("one failed connection does not stop port-forward").isTrue();

        forward.destroy();
        assertThat(forward.waitFor(10, TimeUnit.SECONDS)).isTrue();

        Run unknown = berthctl(null, "port-forward", UNKNOWN, "80");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("NOT_FOUND", UNKNOWN);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : launched) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        CriPods.cleanUp(daemons, dir, cgroupParent);
    }

    // ------------------------------------------------------------------ set-up

    /** A daemon whose pods get their own network namespace with only loopback in it. */
    private Berthd start(Daemons.Session s) throws Exception {
        TestConfig c = CriPods.loopbackNetwork(s.config());
        dir = c.dir();
        Berthd d = s.start(c);
        daemons.add(d);
        sock = d.socket().toString();
        return d;
    }

    private String runPod(Berthd d, String name) {
        return CriPods.runPod(d, dir, cgroupParent, name, NamespaceMode.POD, NamespaceMode.CONTAINER);
    }

    /** Creates and starts a container in the pod's network; returns its full id. */
    private static String create(Berthd d, String pod, String name, String image, List<String> command,
                                 UnaryOperator<ContainerConfig.Builder> more) {
        return CriPods.createAndStart(d, pod, name, image, command, NamespaceMode.POD, more);
    }

    // ------------------------------------------------------------------ berthctl

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

    private List<String> berthctlArgs(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Berthd.HOME.resolve("bin/berthctl").toString(), "-r", sock));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private String berthctlLine() {
        return String.join(" ", berthctlArgs());
    }

    /** Runs berthctl to the end (at most 60 s) with {@code stdin} (null: /dev/null). */
    private Run berthctl(byte[] stdin, String... args) throws Exception {
        return run(new ProcessBuilder(berthctlArgs(args)), stdin);
    }

    /** Runs a shell line under script(1), so that it has a terminal; the terminal's output is stdout. */
    private Run script(String line) throws Exception {
        return run(new ProcessBuilder("script", "-qfec", line, "/dev/null"), null);
    }

    private Run run(ProcessBuilder pb, byte[] stdin) throws Exception {
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process p = pb.start();
        launched.add(p);
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (stdin != null) {
            CompletableFuture.runAsync(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the process ended before it read everything; its result tells
                }
            });
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish within 60 s: " + pb.command());
        }
        return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    /** Starts a berthctl that keeps running (attach, port-forward); stderr goes into stdout. */
    private Process launch(String... args) throws IOException {
        Process p = new ProcessBuilder(berthctlArgs(args)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        launched.add(p);
        return p;
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static int localPort(String said, int remote) {
        Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+) -> " + remote + "\\n").matcher(said);
        assertThat(m.find()).as(said).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** Reads {@code in} until {@code pattern} is found in what came, at most {@code limit}; returns what came. */
    private static String readUntil(InputStream in, Pattern pattern, Duration limit) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        CompletableFuture<String> found = CompletableFuture.supplyAsync(() -> {
            try {
                for (int b; (b = in.read()) >= 0; ) { // a byte at a time: what follows the match stays for the next call
                    synchronized (seen) {
                        seen.write(b);
                        if (b == '\n' && pattern.matcher(seen.toString(StandardCharsets.UTF_8)).find()) {
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
            String got = found.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(got).as("output ended before " + pattern).containsPattern(pattern);
            return got;
        } catch (java.util.concurrent.TimeoutException e) {
            synchronized (seen) {
                throw new AssertionError("no " + pattern + " within " + limit + " in: " + seen.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
