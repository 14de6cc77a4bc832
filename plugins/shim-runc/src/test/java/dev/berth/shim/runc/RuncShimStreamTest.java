package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerState;
import dev.berth.core.runtime.Resources;
import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Exec and attach sessions against the real runc and conmon. Every blocking read or wait goes through a helper with
 * a deadline, and every session is closed by the test or after it, so a failure never hangs the build.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RuncShimStreamTest extends RuncShimFixture {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final List<StreamSession> sessions = new ArrayList<>();
    private final ExecutorService helpers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stream-test-helper");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void closeSessions() {
        sessions.forEach(StreamSession::close); // before the fixture deletes the containers
        helpers.shutdownNow();
    }

    // ------------------------------------------------------------------ exec

    @Test
    void execSeparatesStdoutFromStderrAndReturnsTheExitCode() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "ex", List.of("sleep", "1000"), Resources.none());
        StreamSession s = exec(shim, "ex", List.of("sh", "-c", "echo out; echo err >&2; exit 3"), false, true, true,
                false);
        assertThat(s.stdin()).isNull();
        Future<byte[]> err = async(() -> s.stderr().readAllBytes());
        assertThat(text(readAll(s.stdout()))).isEqualTo("out\n");
        assertThat(text(get(err))).isEqualTo("err\n");
        assertThat(waitFor(s)).isEqualTo(3);

        StreamSession quiet = exec(shim, "ex", List.of("sh", "-c", "echo unseen; exit 3"), false, false, false,
                false);
        assertThat(quiet.stdout()).isNull();
        assertThat(quiet.stderr()).isNull();
        assertThat(waitFor(quiet)).isEqualTo(3);
    }

    @Test
    void execCatEchoesStdinAndEndsWhenStdinCloses() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "cat", List.of("sleep", "1000"), Resources.none());
        StreamSession s = exec(shim, "cat", List.of("cat"), true, true, false, false);
        s.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
        assertThat(readUntil(s.stdout(), "hello\n")).isEqualTo("hello\n");
        s.stdin().write("second line\n".getBytes(StandardCharsets.UTF_8));
        s.stdin().close();
        assertThat(text(readAll(s.stdout()))).isEqualTo("second line\n");
        assertThat(waitFor(s)).isZero();
    }

    @Test
    void execWithTerminalFollowsResizes() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "tty", List.of("sleep", "1000"), Resources.none());
        // input written after a resize must see the new size; runc alone loses that race now and then, so repeat
        for (int i = 0; i < 10; i++) {
            StreamSession s = exec(shim, "tty", List.of("sh", "-c", "read a; stty size; read b; stty size"), true,
                    true, false, true);
            assertThat(s.stderr()).isNull();
            s.resize(100 + i, 30 + i); // right after the start: before runc set the terminal up
            s.stdin().write("a\n".getBytes(StandardCharsets.UTF_8));
            assertThat(readUntil(s.stdout(), "\n" + (30 + i) + " " + (100 + i) + "\n"))
                    .doesNotContain("stty:");
            s.resize(120 + i, 40 + i); // while the command runs
            s.stdin().write("b\n".getBytes(StandardCharsets.UTF_8));
            assertThat(readUntil(s.stdout(), "\n" + (40 + i) + " " + (120 + i) + "\n")).doesNotContain("stty:");
            assertThat(waitFor(s)).isZero();
            s.close();
        }

        // a size known at the start is there before the command's first instruction, as the container's own user
        for (int i = 0; i < 5; i++) {
            StreamSession sized = shim.exec("tty", new StreamRequest(List.of("stty", "size"), false, true, false, true)
                    .withTerminalSize(123 + i, 45 + i));
            assertThat(text(readAll(sized.stdout()))).contains((45 + i) + " " + (123 + i));
            assertThat(waitFor(sized)).isZero();
            sized.close();
        }
        assertThat(Files.list(state.resolve("tty")).filter(f -> f.getFileName().toString().startsWith("exec-")))
                .as("exec's process and pid files are removed").isEmpty();

        // runc's own complaint goes to its host console: the session's stdout carries it
        StreamSession missing = exec(shim, "tty", List.of("/no/such/command"), false, true, false, true);
        assertThat(text(readAll(missing.stdout()))).contains("/no/such/command");
        assertThat(waitFor(missing)).isNotZero();
    }

    @Test
    void execNeedsARunningContainerAndACommand() throws Exception {
        RuncShim shim = newShim();
        shim.create(spec("idle", List.of("sleep", "1000"), logs.resolve("idle.log"), Resources.none()));
        StreamRequest echo = new StreamRequest(List.of("echo"), false, true, false, false);
        assertThatThrownBy(() -> shim.exec("idle", echo)).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.FAILED_PRECONDITION);
        shim.start("idle");
        assertThatThrownBy(() -> shim.exec("idle", new StreamRequest(List.of(), false, true, false, false)))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        shim.stop("idle", "KILL", Duration.ZERO);
        assertThatThrownBy(() -> shim.exec("idle", echo)).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.FAILED_PRECONDITION);
        assertThatThrownBy(() -> shim.exec("nope", echo)).extracting(e -> ((BerthException) e).kind())
                .isEqualTo(ErrorKind.NOT_FOUND);
    }

    @Test
    void closeKillsTheExecdProcess() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "long", List.of("sleep", "1000"), Resources.none());
        StreamSession s = exec(shim, "long", List.of("sleep", "1001"), true, true, true, false);
        await(() -> {
            try {
                return !processesStartingWith("sleep 1001").isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, WAIT);
        long t0 = System.nanoTime();
        s.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(processesStartingWith("sleep 1001")).isEmpty();
        assertThat(processesContaining(state.resolve("long") + "/exec-")).as("runc exec").isEmpty();
        assertThat(ms).isLessThan(5000);
        assertThat(waitFor(s)).isEqualTo(137);
        s.close();
        s.resize(10, 10);
        try (Stream<Path> files = Files.list(state.resolve("long"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("exec-"));
        }

        // closed by a thread that was just interrupted (the streaming server cancels a session's thread when its
        // client leaves): the command must still be killed, not only runc
        StreamSession second = exec(shim, "long", List.of("sleep", "1002"), false, true, true, false);
        await(() -> {
            try {
                return !processesStartingWith("sleep 1002").isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, WAIT);
        Thread closer = new Thread(() -> {
            Thread.currentThread().interrupt();
            second.close();
        });
        closer.start();
        closer.join(10_000);
        assertThat(processesStartingWith("sleep 1002")).isEmpty();
    }

    // ------------------------------------------------------------------ attach

    @Test
    void attachReceivesOutputAndDetachingLeavesTheContainerRunning() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "tick", List.of("sh", "-c", "i=0; while true; do echo line $i; echo warn $i >&2;"
                + " i=$((i+1)); sleep 0.05; done"), Resources.none());
        StreamSession s = attach(shim, "tick", false, true, true, false);
        assertThat(s.stdin()).isNull();
        Future<String> err = async(() -> readUntil(s.stderr(), "warn"));
        String out = readUntil(s.stdout(), "\nline ");
        assertThat(out).contains("line ").doesNotContain("warn");
        assertThat(get(err)).contains("warn").doesNotContain("line");
        s.close();
        assertThat(waitFor(s)).isEqualTo(-1);
        assertThat(shim.status("tick").state()).isEqualTo(ContainerState.RUNNING);

        StreamSession again = attach(shim, "tick", false, true, false, false);
        assertThat(again.stderr()).isNull();
        assertThat(readUntil(again.stdout(), "\nline ")).contains("line ");
    }

    @Test
    void attachEndsWithTheContainersExitCode() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "bye", List.of("sh", "-c", "sleep 1; echo bye; exit 7"), Resources.none());
        StreamSession s = attach(shim, "bye", false, true, false, false);
        assertThat(text(readAll(s.stdout()))).isEqualTo("bye\n");
        assertThat(waitFor(s)).isEqualTo(7);
    }

    @Test
    void attachedStdinOfAStdinOnceContainerEndsItOnClose() throws Exception {
        RuncShim shim = newShim();
        shim.create(spec("once", List.of("cat"), logs.resolve("once.log"), Resources.none(), false, true, true));
        shim.start("once");
        StreamSession s = attach(shim, "once", true, true, true, false);
        s.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
        assertThat(readUntil(s.stdout(), "ping\n")).isEqualTo("ping\n");
        s.stdin().close(); // conmon closes cat's stdin: cat ends, and with it the attach
        assertThat(readAll(s.stdout())).isEmpty();
        assertThat(waitFor(s)).isZero();
        assertThat(shim.status("once").state()).isEqualTo(ContainerState.EXITED);
    }

    @Test
    void stdinStaysOpenAcrossAttachesWithoutStdinOnce() throws Exception {
        RuncShim shim = newShim();
        shim.create(spec("open", List.of("cat"), logs.resolve("open.log"), Resources.none(), false, true, false));
        shim.start("open");
        StreamSession first = attach(shim, "open", true, true, false, false);
        first.stdin().write("one\n".getBytes(StandardCharsets.UTF_8));
        assertThat(readUntil(first.stdout(), "one\n")).isEqualTo("one\n");
        first.stdin().close();
        first.close();
        assertThat(waitFor(first)).isEqualTo(-1);
        Thread.sleep(200); // time for a wrongly closed stdin to end cat
        assertThat(shim.status("open").state()).isEqualTo(ContainerState.RUNNING);

        StreamSession second = attach(shim, "open", true, true, false, false);
        byte[] big = new byte[100_000]; // more than conmon takes in one packet
        Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = '\n';
        Future<String> echoed = async(() -> readUntil(second.stdout(), "x\n"));
        second.stdin().write(big);
        assertThat(get(echoed)).hasSize(big.length);
    }

    @Test
    void attachRules() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "plain", List.of("sleep", "1000"), Resources.none());
        assertThatThrownBy(() -> attach(shim, "plain", false, true, false, true))
                .isInstanceOf(BerthException.class).hasMessageContaining("tty")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThatThrownBy(() -> attach(shim, "plain", true, true, false, false))
                .isInstanceOf(BerthException.class).hasMessageContaining("stdin")
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
        assertThatThrownBy(() -> shim.attach("plain", new StreamRequest(List.of("sh"), false, true, false, false)))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT);
        assertThatThrownBy(() -> attach(shim, "nope", false, true, false, false))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.NOT_FOUND);
        shim.stop("plain", "KILL", Duration.ZERO);
        assertThatThrownBy(() -> attach(shim, "plain", false, true, false, false))
                .extracting(e -> ((BerthException) e).kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION);
    }

    @Test
    void attachWithTerminalResizesThroughConmon() throws Exception {
        RuncShim shim = newShim();
        shim.create(spec("term", List.of("sh"), logs.resolve("term.log"), Resources.none(), true, true, false));
        shim.start("term");
        StreamSession s = attach(shim, "term", true, true, false, true);
        assertThat(s.stderr()).isNull();
        s.resize(111, 33);
        // the resize and the typed line reach conmon on different fds: ask until the answer shows the new size
        String seen = "";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!seen.contains("33 111") && System.nanoTime() < deadline) {
            s.stdin().write("stty size\n".getBytes(StandardCharsets.UTF_8));
            seen += readSome(s.stdout());
        }
        assertThat(seen).contains("33 111");
    }

    // ------------------------------------------------------------------ resources and speed

    @Test
    void sessionsLeaveNoFdsOrThreadsBehind() throws Exception {
        RuncShim shim = newShim();
        startRunning(shim, "leak", List.of("sleep", "1000"), Resources.none());
        for (int i = 0; i < 6; i++) {
            openAndClose(shim, i);
        }
        int fds = openFds();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int i = 0; i < 100; i++) {
            assertThat(System.nanoTime()).as("100 sessions within 120 s").isLessThan(deadline);
            openAndClose(shim, i);
        }
        for (int i = 0; i < 20; i++) {
            StreamSession a = shim.attach("leak", new StreamRequest(List.of(), false, true, true, false));
            a.close();
        }
        // the JDK's process reaper threads idle out on their own; allow them a moment
        await(() -> ManagementFactory.getThreadMXBean().getThreadCount() <= threads + 2, Duration.ofSeconds(5));
        System.out.printf("fds %d -> %d, threads %d -> %d%n", fds, openFds(), threads,
                ManagementFactory.getThreadMXBean().getThreadCount());
        assertThat(openFds()).isLessThanOrEqualTo(fds + 2);
        assertThat(processesContaining(state.resolve("leak") + "/exec-")).isEmpty();
    }

    /** Large and many small exec streams arrive whole; their speed is bench's `exec` workload's to judge, not this test's. */
    @Test
    void hundredMebibytesAndThirtyShortExecsArriveWhole() throws Exception {
        RuncShim shim = newShim();
        long size = 100L << 20;
        try (var out = Files.newOutputStream(image.resolve("big"))) {
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < size >> 20; i++) {
                out.write(mib);
            }
        }
        startRunning(shim, "fast", List.of("sleep", "1000"), Resources.none());
        // busybox head writes 4 KiB at a time and tops out near 150 MB/s by itself on a small VM: informative only
        double head = megabytesPerSecond(shim, "fast", List.of("head", "-c", Long.toString(size), "/dev/zero"),
                size);
        double cat = 0;
        for (int i = 0; i < 3; i++) {
            cat = Math.max(cat, megabytesPerSecond(shim, "fast", List.of("cat", "/big"), size));
        }
        System.out.printf("exec stdout, 100 MiB incl. runc exec start: head -c %.0f MB/s, cat %.0f MB/s%n", head,
                cat);

        long[] ms = new long[31];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            StreamSession t = exec(shim, "fast", List.of("true"), false, false, false, false);
            assertThat(waitFor(t)).isZero();
            ms[i] = (System.nanoTime() - start) / 1_000_000;
            t.close();
        }
        Arrays.sort(ms);
        System.out.printf("exec true: p50 %d ms, min %d ms, max %d ms%n", ms[ms.length / 2], ms[0],
                ms[ms.length - 1]);
    }

    // ------------------------------------------------------------------ helpers

    /** Reads all of {@code cmd}'s stdout, which must be {@code size} bytes; the time includes starting runc. */
    private double megabytesPerSecond(RuncShim shim, String id, List<String> cmd, long size) throws Exception {
        long t0 = System.nanoTime();
        StreamSession s = exec(shim, id, cmd, false, true, false, false);
        long got = get(async(() -> {
            byte[] buf = new byte[1 << 16];
            long n = 0;
            for (int r; (r = s.stdout().read(buf)) >= 0; ) {
                n += r;
            }
            return n;
        }));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(got).isEqualTo(size);
        assertThat(waitFor(s)).isZero();
        s.close();
        return size / 1e6 / seconds;
    }

    private StreamSession exec(RuncShim shim, String id, List<String> cmd, boolean stdin, boolean stdout,
                               boolean stderr, boolean tty) {
        StreamSession s = shim.exec(id, new StreamRequest(cmd, stdin, stdout, stderr, tty));
        sessions.add(s);
        return s;
    }

    private StreamSession attach(RuncShim shim, String id, boolean stdin, boolean stdout, boolean stderr,
                                 boolean tty) {
        StreamSession s = shim.attach(id, new StreamRequest(List.of(), stdin, stdout, stderr, tty));
        sessions.add(s);
        return s;
    }

    /** One exec session opened and closed at once, alternating plain pipes and a terminal. */
    private static void openAndClose(RuncShim shim, int i) {
        boolean tty = i % 2 == 1;
        shim.exec("leak", new StreamRequest(List.of("true"), true, true, !tty, tty)).close();
    }

    private <T> Future<T> async(Callable<T> task) {
        return helpers.submit(task);
    }

    private <T> T get(Future<T> f) throws InterruptedException, ExecutionException {
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no result within " + WAIT);
        }
    }

    private byte[] readAll(InputStream in) throws Exception {
        return get(async(in::readAllBytes));
    }

    private int waitFor(StreamSession s) throws Exception {
        return get(async(s::waitFor));
    }

    /** Reads until what arrived contains {@code needle}; returns all of it. */
    private String readUntil(InputStream in, String needle) throws Exception {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        Future<String> f = async(() -> {
            byte[] buf = new byte[8192];
            while (!contents(seen).contains(needle)) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new IOException("end of stream before " + needle + " in " + contents(seen));
                }
                synchronized (seen) {
                    seen.write(buf, 0, n);
                }
            }
            return contents(seen);
        });
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("no " + needle + " within " + WAIT + ", only " + contents(seen));
        }
    }

    private static String contents(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    /** The next chunk of output; "" at the end. */
    private String readSome(InputStream in) throws Exception {
        return get(async(() -> {
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        }));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        }
    }

    /** Live host processes whose command line (arguments joined by spaces) starts with {@code prefix}. */
    private static List<Long> processesStartingWith(String prefix) throws IOException {
        return processes(c -> c.startsWith(prefix));
    }

    private static List<Long> processesContaining(String text) throws IOException {
        return processes(c -> c.contains(text));
    }

    private static List<Long> processes(Predicate<String> commandLine) throws IOException {
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ').strip();
                    if (commandLine.test(cmd) && ProcFs.alive(Long.parseLong(name), null)) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
        }
        return found;
    }
}
