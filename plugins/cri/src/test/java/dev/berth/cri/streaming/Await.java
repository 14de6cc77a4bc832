package dev.berth.cri.streaming;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition with a deadline, for effects that happen on other threads. */
final class Await {
    private Await() {
    }

    static boolean until(BooleanSupplier condition, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
