package dev.berth.shim.runc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * Starts a program with posix_spawn(3) and talks to it over a pipe, for what {@link ProcessBuilder} cannot do: hand
 * the child a pipe as an fd above 2 (conmon reports on {@code _OCI_SYNCPIPE}) while it runs in a given working
 * directory with every other fd of the daemon closed. The child is not a {@link Process}: its starter reaps it with
 * {@link #reap}. Needs glibc 2.34 or later (closefrom and chdir file actions), which Debian 12 has.
 */
final class PosixSpawn {
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_APPEND = 02000;
    private static final int O_CLOEXEC = 02000000;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final short POLLIN = 0x1;
    private static final int EINTR = 4;
    private static final int SIGKILL = 9;
    private static final int WNOHANG = 1;
    /** Larger than glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336) and sigset_t (128). */
    private static final int OPAQUE_BYTES = 512;
    private static final Charset CHARSET = Charset.forName(System.getProperty("sun.jnu.encoding",
            Charset.defaultCharset().name()));

    /** The functions; each returns an error number or saves errno. */
    public interface Calls {
        int posix_spawn_file_actions_init(Pointer actions);

        int posix_spawn_file_actions_destroy(Pointer actions);

        int posix_spawn_file_actions_addopen(Pointer actions, int fd, @In byte[] path, int flags, int mode);

        int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

        int posix_spawn_file_actions_addchdir_np(Pointer actions, @In byte[] path);

        int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

        int posix_spawnattr_init(Pointer attr);

        int posix_spawnattr_destroy(Pointer attr);

        int posix_spawnattr_setflags(Pointer attr, short flags);

        int posix_spawnattr_setsigmask(Pointer attr, Pointer set);

        int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);

        int sigemptyset(Pointer set);

        int sigfillset(Pointer set);

        int posix_spawn(@Out IntByReference pid, @In byte[] path, Pointer actions, Pointer attr, Pointer argv,
                        Pointer envp);

        @SaveError
        int pipe2(@Out int[] fds, int flags);

        @SaveError
        int poll(Pointer fds, long nfds, int timeout);

        @SaveError
        @ssize_t
        long read(int fd, @Out byte[] buf, @size_t long count);

        @SaveError
        int waitpid(int pid, @Out int[] status, int options);

        @SaveError
        int kill(int pid, int sig);

        @SaveError
        int close(int fd);

        String strerror(int errnum);
    }

    /** A started child: its pid and the read end of the pipe it holds as {@code fd}. */
    record Child(int pid, int pipe) {
    }

    private final Calls calls;
    private final Runtime runtime;

    private PosixSpawn(Calls calls) {
        this.calls = calls;
        this.runtime = Runtime.getRuntime(calls);
    }

    /** Binds libc; costs tens of milliseconds, so a shim does it once, on first use ({@link #get}). */
    static PosixSpawn load() {
        return new PosixSpawn(LibraryLoader.create(Calls.class).load("c"));
    }

    /** The one binding of this JVM, made on first use: a daemon's start need not pay for it. */
    static PosixSpawn get() {
        return Bound.INSTANCE;
    }

    /** Holds the binding; the JVM initialises it once, when {@link #get} first runs. */
    private static final class Bound {
        static final PosixSpawn INSTANCE = load();
    }

    /**
     * Starts {@code argv} in {@code dir} with stdin from /dev/null, stdout and stderr appended to {@code output}, the
     * write end of a new pipe as {@code pipeFd} (above 2) and no other fd; default signal handling and no blocked
     * signals, whatever the calling JVM thread has.
     *
     * @param env the whole environment
     * @throws IOException when the pipe cannot be made or the program cannot be started
     */
    Child start(List<String> argv, Map<String, String> env, Path dir, Path output, int pipeFd) throws IOException {
        int[] fds = new int[2];
        if (calls.pipe2(fds, O_CLOEXEC) != 0) {
            throw failure("pipe2", runtime.getLastError());
        }
        try {
            int pid = spawn(argv, env, actions -> {
                check("addchdir", calls.posix_spawn_file_actions_addchdir_np(actions, cString(dir.toString())));
                check("addopen", calls.posix_spawn_file_actions_addopen(actions, 0, cString("/dev/null"), O_RDONLY, 0));
                check("addopen", calls.posix_spawn_file_actions_addopen(actions, 1, cString(output.toString()),
                        O_WRONLY | O_CREAT | O_APPEND, 0644));
                check("adddup2", calls.posix_spawn_file_actions_adddup2(actions, 1, 2));
                check("adddup2", calls.posix_spawn_file_actions_adddup2(actions, fds[1], pipeFd));
                check("addclosefrom", calls.posix_spawn_file_actions_addclosefrom_np(actions, pipeFd + 1));
            });
            calls.close(fds[1]);
            return new Child(pid, fds[0]);
        } catch (IOException | RuntimeException e) {
            calls.close(fds[0]);
            calls.close(fds[1]);
            throw e;
        }
    }

    /** The file actions of one spawn, added to glibc's {@code posix_spawn_file_actions_t}. */
    @FunctionalInterface
    private interface FileActions {
        void addTo(Pointer actions) throws IOException;
    }

    /**
     * posix_spawn of {@code argv} with {@code files}' file actions, default signal handling and no blocked signals,
     * whatever the calling JVM thread has.
     *
     * @return the child's pid
     */
    private int spawn(List<String> argv, Map<String, String> env, FileActions files) throws IOException {
        Pointer actions = Memory.allocateDirect(runtime, OPAQUE_BYTES);
        Pointer attr = Memory.allocateDirect(runtime, OPAQUE_BYTES);
        Pointer noSignals = Memory.allocateDirect(runtime, OPAQUE_BYTES);
        Pointer allSignals = Memory.allocateDirect(runtime, OPAQUE_BYTES);
        check("posix_spawn_file_actions_init", calls.posix_spawn_file_actions_init(actions));
        check("posix_spawnattr_init", calls.posix_spawnattr_init(attr));
        try {
            files.addTo(actions);
            calls.sigemptyset(noSignals);
            calls.sigfillset(allSignals);
            check("setsigmask", calls.posix_spawnattr_setsigmask(attr, noSignals));
            check("setsigdefault", calls.posix_spawnattr_setsigdefault(attr, allSignals));
            check("setflags", calls.posix_spawnattr_setflags(attr, (short) (POSIX_SPAWN_SETSIGDEF
                    | POSIX_SPAWN_SETSIGMASK)));
            List<String> envp = new ArrayList<>(env.size());
            env.forEach((k, v) -> envp.add(k + "=" + v));
            IntByReference pid = new IntByReference();
            List<Pointer> strings = new ArrayList<>();
            int err = calls.posix_spawn(pid, cString(argv.get(0)), actions, attr, stringArray(argv, strings),
                    stringArray(envp, strings));
            Reference.reachabilityFence(strings);
            if (err != 0) {
                throw failure(argv.get(0), err);
            }
            return pid.intValue();
        } finally {
            calls.posix_spawn_file_actions_destroy(actions);
            calls.posix_spawnattr_destroy(attr);
        }
    }

    /** What a program run to its end left: its exit status and its stdout and stderr together. */
    record Outcome(int exit, String output) {
    }

    /**
     * Runs {@code argv} to its end: stdin from /dev/null, stdout and stderr into one pipe that is read here (at most
     * {@code max} bytes kept), no other fd. The wait is for the pipe's end of file, which the program's exit brings at
     * once, so no polling loop adds to a short program's time. A program still running at {@code deadline}
     * ({@link System#nanoTime()}) is killed.
     *
     * @param env the whole environment
     * @throws IOException          when the program cannot be started or its output read
     * @throws TimeoutException     when the deadline passed first (the program is killed and reaped)
     * @throws InterruptedException when the thread is interrupted while it waits (likewise)
     */
    Outcome run(List<String> argv, Map<String, String> env, long deadline, int max)
            throws IOException, InterruptedException, TimeoutException {
        int[] fds = new int[2];
        if (calls.pipe2(fds, O_CLOEXEC) != 0) {
            throw failure("pipe2", runtime.getLastError());
        }
        int pid;
        try {
            pid = spawn(argv, env, actions -> {
                check("addopen", calls.posix_spawn_file_actions_addopen(actions, 0, cString("/dev/null"), O_RDONLY, 0));
                check("adddup2", calls.posix_spawn_file_actions_adddup2(actions, fds[1], 1));
                check("adddup2", calls.posix_spawn_file_actions_adddup2(actions, fds[1], 2));
                check("addclosefrom", calls.posix_spawn_file_actions_addclosefrom_np(actions, 3));
            });
        } catch (IOException | RuntimeException e) {
            calls.close(fds[0]);
            throw e;
        } finally {
            calls.close(fds[1]);
        }
        String output;
        try {
            output = readAll(fds[0], deadline, max);
        } catch (IOException | InterruptedException | TimeoutException e) {
            killAndReap(pid);
            throw e;
        } finally {
            calls.close(fds[0]);
        }
        return new Outcome(reap(pid, deadline), output);
    }

    /** Reads {@code fd} to its end of file, keeping at most {@code max} bytes, waiting at most until {@code deadline}. */
    private String readAll(int fd, long deadline, int max) throws IOException, InterruptedException, TimeoutException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        for (long n; (n = readSome(fd, buf, deadline)) > 0; ) {
            if (kept.size() < max) {
                kept.write(buf, 0, (int) Math.min(n, max - kept.size()));
            }
        }
        return kept.toString(StandardCharsets.UTF_8);
    }

    /**
     * Waits until {@code fd} is readable (in slices of at most 100 ms, so the wait stays interruptible) and reads what
     * is there: the byte count, 0 at end of file.
     */
    private long readSome(int fd, byte[] buf, long deadline) throws IOException, InterruptedException, TimeoutException {
        Pointer pollFd = Memory.allocateDirect(runtime, 8);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            pollFd.putInt(0, fd);
            pollFd.putShort(4, POLLIN);
            pollFd.putShort(6, (short) 0);
            int ready = calls.poll(pollFd, 1, (int) Math.min(100, Math.max(1, left / 1_000_000)));
            if (ready < 0 && runtime.getLastError() != EINTR) {
                throw failure("poll", runtime.getLastError());
            }
            if (ready <= 0) {
                continue;
            }
            long n = calls.read(fd, buf, buf.length);
            if (n >= 0) {
                return n;
            }
            if (runtime.getLastError() != EINTR) {
                throw failure("read", runtime.getLastError());
            }
        }
    }

    /**
     * Reads from {@code fd} up to and without the first newline, waiting at most until {@code deadline}
     * ({@link System#nanoTime()}); null at end of file before a newline. At most {@code max} bytes are kept.
     *
     * @throws InterruptedException when the thread is interrupted while it waits
     * @throws TimeoutException     when the deadline passes first
     * @throws IOException          on a read error
     */
    String readLine(int fd, long deadline, int max) throws IOException, InterruptedException, TimeoutException {
        byte[] buf = new byte[4096];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (long n; (n = readSome(fd, buf, deadline)) > 0; ) {
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    line.write(buf, 0, i);
                    return line.toString(StandardCharsets.UTF_8);
                }
            }
            if (line.size() < max) {
                line.write(buf, 0, (int) Math.min(n, max - line.size()));
            }
        }
        return null;
    }

    /**
     * Reaps child {@code pid} once it has exited; one still running at {@code deadline} ({@link System#nanoTime()})
     * is killed first.
     *
     * @return its exit status, 128 + the signal when a signal ended it, -1 when it cannot be told
     */
    int reap(int pid, long deadline) {
        int[] status = new int[1];
        for (long pause = 100_000; ; pause = Math.min(pause * 2, 10_000_000)) {
            int r = calls.waitpid(pid, status, WNOHANG);
            if (r == pid) {
                return exitStatus(status[0]);
            }
            if (r < 0 && runtime.getLastError() != EINTR) {
                return -1; // not our child any more
            }
            if (r == 0 && System.nanoTime() - deadline >= 0) {
                return killAndReap(pid);
            }
            LockSupport.parkNanos(pause);
        }
    }

    /** SIGKILL to child {@code pid}, then waits for it; for a child that must not outlive a failed call. */
    int killAndReap(int pid) {
        calls.kill(pid, SIGKILL);
        int[] status = new int[1];
        while (calls.waitpid(pid, status, 0) < 0) {
            if (runtime.getLastError() != EINTR) {
                return -1;
            }
        }
        return exitStatus(status[0]);
    }

    private static int exitStatus(int wait) {
        return (wait & 0x7f) == 0 ? (wait >> 8) & 0xff : 128 + (wait & 0x7f);
    }

    void close(int fd) {
        calls.close(fd);
    }

    private void check(String what, int err) throws IOException {
        if (err != 0) {
            throw failure("posix_spawn " + what, err);
        }
    }

    private IOException failure(String what, int errno) {
        return new IOException(what + ": " + calls.strerror(errno));
    }

    /**
     * A NULL-terminated array of C strings. Native memory holds no Java references: the strings are added to
     * {@code keep}, which the caller holds until the call that reads them returns.
     */
    private Pointer stringArray(List<String> strings, List<Pointer> keep) {
        int ptr = runtime.addressSize();
        Pointer array = Memory.allocateDirect(runtime, (strings.size() + 1) * ptr, true);
        for (int i = 0; i < strings.size(); i++) {
            byte[] b = cString(strings.get(i));
            Pointer s = Memory.allocateDirect(runtime, b.length);
            s.put(0, b, 0, b.length);
            array.putPointer((long) i * ptr, s);
            keep.add(s);
        }
        keep.add(array);
        return array;
    }

    private static byte[] cString(String s) {
        byte[] raw = s.getBytes(CHARSET);
        for (byte b : raw) {
            if (b == 0) {
                throw new IllegalArgumentException("NUL byte in " + s);
            }
        }
        return Arrays.copyOf(raw, raw.length + 1);
    }
}
