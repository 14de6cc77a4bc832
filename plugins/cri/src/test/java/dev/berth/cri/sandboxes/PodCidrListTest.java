package dev.berth.cri.sandboxes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PodCidrListTest {
    @Test
    void oneOrSeveralCidrsOfBothFamilies() {
        assertThat(PodCidrList.parse("10.244.1.0/24")).containsExactly("10.244.1.0/24");
        assertThat(PodCidrList.parse("10.244.1.0/24, fd00:10:244:1::/64")).containsExactly("10.244.1.0/24", "fd00:10:244:1::/64");
        assertThat(PodCidrList.parse("0.0.0.0/0,::/0,2001:db8::1/128,255.255.255.255/32"))
                .containsExactly("0.0.0.0/0", "::/0", "2001:db8::1/128", "255.255.255.255/32");
    }

    @Test
    void emptyMeansNothingToDo() {
        assertThat(PodCidrList.parse("")).isEmpty();
        assertThat(PodCidrList.parse("  ")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.244.1.0", "10.244.1.0/33", "10.244.1/24", "10.244.1.256/24", "010.1.1.0/24",
            "10.1.1.0/-1", "10.1.1.0/+8", "10.1.1.0/24/1", "fd00::/129", "fd00:::1/64", "1:2:3:4:5:6:7:8:9/64",
            "example.com/24", "gggg::/64", "fd00::%eth0/64", "/24", "10.1.1.0/", "10.1.1.0/24 junk"})
    void badCidrsAreRefused(String bad) {
        assertThat(PodCidrList.isCidr(bad)).as(bad).isFalse();
    }

    @Test
    void theErrorNamesTheFieldAndTheBadValue() {
        assertThatThrownBy(() -> PodCidrList.parse("10.244.1.0/24,10.300.0.0/16"))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageStartingWith("UpdateRuntimeConfigRequest: runtime_config.network_config.pod_cidr: \"10.300.0.0/16\""
                        + " is not a CIDR");
        assertThatThrownBy(() -> PodCidrList.parse("10.244.1.0/24,"))
                .hasMessageContaining("pod_cidr: \"\" is not a CIDR");
    }
}
