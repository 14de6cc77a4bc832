package dev.berth.cri.streaming;

import dev.berth.core.runtime.StreamRequest;
import dev.berth.core.runtime.StreamSession;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** In-memory stand-ins for container processes. */
final class FakeSessions {
    private FakeSessions() {
    }

    /** The common part: records resizes and closing. */
    abstract static class Base implements StreamSession {
        final CountDownLatch closed = new CountDownLatch(1);
        final List<int[]> resizes = new CopyOnWriteArrayList<>();

        @Override
        public void resize(int width, int height) {
            resizes.add(new int[] {width, height});
        }

        @Override
        public void close() {
            closed.countDown();
        }

        boolean awaitClosed(long seconds) throws InterruptedException {
            return closed.await(seconds, TimeUnit.SECONDS);
        }

        boolean isClosed() {
            return closed.getCount() == 0;
        }
    }

    /** cat: stdin comes back on stdout; ends (exit 0) when stdin is closed and all is read. */
    static final class Cat extends Base {
        private final BytePipe pipe = new BytePipe(64 * 1024);
        private final CountDownLatch drained = new CountDownLatch(1);
        private final InputStream stdout = new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = pipe.in.read(b, off, len);
                if (n < 0) {
                    drained.countDown();
                }
                return n;
            }
        };

        @Override
        public OutputStream stdin() {
            return pipe.out;
        }

        @Override
        public InputStream stdout() {
            return stdout;
        }

        @Override
        public InputStream stderr() {
            return null;
        }

        @Override
        public int waitFor() throws InterruptedException {
            while (!drained.await(100, TimeUnit.MILLISECONDS)) {
                if (isClosed()) {
                    return -1;
                }
            }
            return 0;
        }

        @Override
        public void close() {
            pipe.closeAll();
            super.close();
        }
    }

    /** Writes fixed output on stdout and stderr, then exits with {@code code}. */
    static final class Exits extends Base {
        private final int code;
        private final byte[] out;
        private final byte[] err;

        Exits(int code, String out, String err) {
            this.code = code;
            this.out = out.getBytes();
            this.err = err.getBytes();
        }

        @Override
        public OutputStream stdin() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream stdout() {
            return new ByteArrayInputStream(out);
        }

        @Override
        public InputStream stderr() {
            return new ByteArrayInputStream(err);
        }

        @Override
        public int waitFor() {
            return code;
        }
    }

    /** Never ends by itself: output blocks until the session is closed. */
    static final class Blocks extends Base {
        private final BytePipe pipe = new BytePipe(1024);

        @Override
        public OutputStream stdin() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream stdout() {
            return pipe.in;
        }

        @Override
        public InputStream stderr() {
            return null;
        }

        @Override
        public int waitFor() throws InterruptedException {
            closed.await(60, TimeUnit.SECONDS); // ends when the server closes the session
            return -1;
        }

        @Override
        public void close() {
            pipe.closeAll();
            super.close();
        }
    }

    /** Writes {@code total} bytes of a repeating pattern on stdout as fast as it is read, then exits 0. */
    static final class Bulk extends Base {
        private final long total;
        final AtomicLong produced = new AtomicLong();

        Bulk(long total) {
            this.total = total;
        }

        /** A prime period, so chunk boundaries never line up with the pattern and a misplaced chunk shows. */
        private static final int PERIOD = 65521;
        private static final byte[] PATTERN = new byte[PERIOD * 2];

        static {
            new java.util.Random(42).nextBytes(PATTERN);
            System.arraycopy(PATTERN, 0, PATTERN, PERIOD, PERIOD);
        }

        static byte at(long i) {
            return PATTERN[(int) (i % PERIOD)];
        }

        /** How many of {@code data}'s bytes differ from the pattern at stream offset {@code offset}. */
        static long mismatches(long offset, byte[] data) {
            long bad = 0;
            for (int done = 0; done < data.length;) {
                int pos = (int) ((offset + done) % PERIOD);
                int n = Math.min(data.length - done, PERIOD);
                if (!java.util.Arrays.equals(data, done, done + n, PATTERN, pos, pos + n)) {
                    for (int i = 0; i < n; i++) {
                        bad += data[done + i] == PATTERN[pos + i] ? 0 : 1;
                    }
                }
                done += n;
            }
            return bad;
        }

        @Override
        public OutputStream stdin() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public InputStream stdout() {
            return new InputStream() {
                @Override
                public int read() {
                    byte[] b = new byte[1];
                    return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (isClosed()) {
                        return -1;
                    }
                    long p = produced.get();
                    int n = (int) Math.min(len, total - p);
                    if (n <= 0) {
                        return -1;
                    }
                    n = Math.min(n, PERIOD);
                    System.arraycopy(PATTERN, (int) (p % PERIOD), b, off, n);
                    produced.addAndGet(n);
                    return n;
                }
            };
        }

        @Override
        public InputStream stderr() {
            return null;
        }

        @Override
        public int waitFor() {
            return 0;
        }
    }

    /** An exec target that counts down {@code opened} when the server opens its session. */
    static StreamTarget.Process exec(StreamRequest request, StreamSession session, CountDownLatch opened) {
        return new StreamTarget.Process(StreamTarget.Kind.EXEC, "c1", request, r -> {
            opened.countDown();
            return session;
        });
    }

    /** An exec target that keeps the request the server opens its session with in {@code opened}. */
    static StreamTarget.Process exec(StreamRequest request, StreamSession session, AtomicReference<StreamRequest> opened) {
        return new StreamTarget.Process(StreamTarget.Kind.EXEC, "c1", request, r -> {
            opened.set(r);
            return session;
        });
    }

    static StreamTarget.Process exec(StreamRequest request, StreamSession session) {
        return new StreamTarget.Process(StreamTarget.Kind.EXEC, "c1", request, r -> session);
    }

    static StreamTarget.Process attach(StreamRequest request, StreamSession session) {
        return new StreamTarget.Process(StreamTarget.Kind.ATTACH, "c1", request, r -> session);
    }

    static StreamRequest request(boolean stdin, boolean stdout, boolean stderr, boolean tty, String... command) {
        return new StreamRequest(List.of(command), stdin, stdout, stderr, tty);
    }
}
