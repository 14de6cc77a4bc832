package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GcSchedulerTest {
    @Test
    void requestsDuringARunCoalesceIntoOneMoreRun() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (GcScheduler s = new GcScheduler(() -> {
            runs.incrementAndGet();
            started.countDown();
            await(release);
        }, Duration.ZERO)) {
            s.request();
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++) {
                s.request();
            }
            release.countDown();
            waitFor(() -> s.completedRuns() == 2);
            Thread.sleep(100);
            assertThat(runs.get()).isEqualTo(2);
            assertThat(s.completedRuns()).isEqualTo(2);
        }
    }

    @Test
    void runsOnASchedulePastFailuresAndStopsWhenClosed() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        GcScheduler s = new GcScheduler(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("a failing run does not stop the schedule");
        }, Duration.ofMillis(20));
        waitFor(() -> runs.get() >= 3);
        s.close();
        int after = runs.get();
        s.request();
        Thread.sleep(100);
        assertThat(runs.get()).isEqualTo(after);
    }

    @Test
    void zeroIntervalRunsOnlyOnRequestOnADaemonThread() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        boolean[] daemon = new boolean[1];
        try (GcScheduler s = new GcScheduler(() -> {
            daemon[0] = Thread.currentThread().isDaemon();
            runs.incrementAndGet();
        }, Duration.ZERO)) {
            Thread.sleep(100);
            assertThat(runs.get()).isZero();
            s.request();
            waitFor(() -> s.completedRuns() == 1);
            assertThat(daemon[0]).isTrue();
        }
    }

    @Test
    void closeWaitsForTheRunInProgress() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        GcScheduler s = new GcScheduler(() -> {
            started.countDown();
            sleep(300);
            finished.incrementAndGet();
        }, Duration.ZERO);
        s.request();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        s.close();
        assertThat(finished.get()).isEqualTo(1);
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
