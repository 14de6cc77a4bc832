package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class SignalsTest {
    @Test
    void namesNumbersAndDefault() {
        assertThat(Signals.parse("SIGTERM")).isEqualTo(15);
        assertThat(Signals.parse("TERM")).isEqualTo(15);
        assertThat(Signals.parse("15")).isEqualTo(15);
        assertThat(Signals.parse("")).isEqualTo(15);
        assertThat(Signals.parse(null)).isEqualTo(15);
        assertThat(Signals.parse("sigkill")).isEqualTo(9);
        assertThat(Signals.parse("SIGQUIT")).isEqualTo(3);
        assertThat(Signals.parse("SIGUSR1")).isEqualTo(10);
        assertThat(Signals.parse("SIGRTMIN+3")).isEqualTo(37);
        assertThat(Signals.parse("RTMAX-1")).isEqualTo(63);
    }

    @Test
    void unknownIsInvalidArgument() {
        for (String bad : new String[] {"SIGFOO", "0", "65", "-1", "99999", "RTMIN+40", "TERM "+"X"}) {
            assertThatThrownBy(() -> Signals.parse(bad)).isInstanceOf(BerthException.class)
                    .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                    .hasMessageContaining("signal");
        }
    }
}
