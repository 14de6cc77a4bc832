package dev.berth.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightTest {
    private final InFlight<String> inFlight = new InFlight<>("RunPodSandbox");
    private final List<String> undone = new ArrayList<>();

    @Test
    void aCallWhoseClientIsStillThereKeepsWhatItMade() throws Exception {
        assertThat(CallCancellation.during(() -> false, () -> inFlight.run("web", () -> "pod-1", undone::add)))
                .isEqualTo("pod-1");
        assertThat(undone).isEmpty();
    }

    @Test
    void aCallWhoseClientHasGoneUndoesWhatItMadeAndEndsCancelled() {
        assertThatThrownBy(() -> CallCancellation.during(() -> true, () -> inFlight.run("web", () -> "pod-1", undone::add)))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.CANCELLED))
                .hasMessageContaining("RunPodSandbox for web: the client has gone");
        assertThat(undone).containsExactly("pod-1");
        // the name is free again
        assertThat(inFlight.run("web", () -> "pod-2")).isEqualTo("pod-2");
    }

    @Test
    void aRetryThatJoinedGetsTheResultEvenWhenTheFirstClientHasGone() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> {
            try {
                CallCancellation.during(() -> true, () -> inFlight.run("web", () -> {
                    started.countDown();
                    await(release);
                    return "pod-1";
                }, undone::add));
                return "done";
            } catch (Exception e) {
                return e;
            }
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> retry = CompletableFuture.supplyAsync(() -> inFlight.run("web", () -> "pod-x"));
        // the retry is counted once it has joined; give it the moment it needs
        Thread.sleep(200);
        release.countDown();
        assertThat(retry.get(10, TimeUnit.SECONDS)).isEqualTo("pod-1");
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(undone).isEmpty();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
