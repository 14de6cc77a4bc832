package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StreamTokensTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final StreamTokens tokens = new StreamTokens(Duration.ofMinutes(1), 3, now::get, new SecureRandom());
    private final StreamTarget target = new StreamTarget.PortForward("sb", List.of(), p -> null);

    @Test
    void tokensAreUrlSafeAndCarry256Bits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String t = tokens.issue(target);
            assertThat(t).matches("[A-Za-z0-9_-]{43}");
            assertThat(seen.add(t)).isTrue();
        }
    }

    @Test
    void aTokenIsConsumedOnce() {
        String t = tokens.issue(target);
        assertThat(tokens.consume(t)).contains(target);
        assertThat(tokens.consume(t)).isEmpty();
        assertThat(tokens.consume("never-issued")).isEmpty();
    }

    @Test
    void tokensExpireAfterTheirTtl() {
        String t = tokens.issue(target);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        String later = tokens.issue(target);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(tokens.consume(t)).isEmpty();
        assertThat(tokens.pending()).isEqualTo(1);
        assertThat(tokens.consume(later)).contains(target);
    }

    @Test
    void unusedTokensAreCapped() {
        tokens.issue(target);
        String second = tokens.issue(target);
        tokens.issue(target);
        assertThatThrownBy(() -> tokens.issue(target)).isInstanceOfSatisfying(BerthException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.RESOURCE_EXHAUSTED));
        tokens.consume(second);
        tokens.issue(target);
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        // Expired tokens no longer count.
        for (int i = 0; i < 3; i++) {
            tokens.issue(target);
        }
    }
}
