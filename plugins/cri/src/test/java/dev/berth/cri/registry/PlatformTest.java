package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void hostIsLinuxWithAGoArchitecture() {
        Platform h = Platform.host();
        assertThat(h.os()).isEqualTo("linux");
        assertThat(h.architecture()).isIn("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64");
        assertThat(Platform.normaliseArchitecture("x86_64")).isEqualTo("amd64");
        assertThat(Platform.normaliseArchitecture("aarch64")).isEqualTo("arm64");
        assertThat(Platform.normaliseArchitecture("amd64")).isEqualTo("amd64");
    }

    @Test
    void matchesOsAndArchitectureAndOptionalVariant() {
        Platform amd64 = Platform.parse("linux/amd64");
        assertThat(amd64.matches(Platform.parse("linux/amd64"))).isTrue();
        assertThat(amd64.matches(new Platform("linux", "x86_64", ""))).isTrue();
        assertThat(amd64.matches(Platform.parse("linux/arm64"))).isFalse();
        assertThat(amd64.matches(Platform.parse("windows/amd64"))).isFalse();
        assertThat(amd64.matches(null)).isFalse();

        Platform arm64 = Platform.parse("linux/arm64");
        assertThat(arm64.matches(Platform.parse("linux/arm64/v8"))).isTrue();
        assertThat(Platform.parse("linux/arm64/v8").matches(Platform.parse("linux/arm64"))).isTrue();

        Platform armv7 = Platform.parse("linux/arm/v7");
        assertThat(armv7.matches(Platform.parse("linux/arm/v7"))).isTrue();
        assertThat(armv7.matches(Platform.parse("linux/arm/v6"))).isFalse();
        assertThat(Platform.parse("linux/arm").matches(Platform.parse("linux/arm/v6"))).isTrue();
    }

    @Test
    void scorePrefersTheSameVariant() {
        Platform armv7 = Platform.parse("linux/arm/v7");
        assertThat(armv7.score(Platform.parse("linux/arm/v7"))).isEqualTo(2);
        assertThat(Platform.parse("linux/arm").score(Platform.parse("linux/arm"))).isEqualTo(2);
        assertThat(Platform.parse("linux/arm").score(Platform.parse("linux/arm/v6"))).isEqualTo(0);
        assertThat(armv7.score(Platform.parse("linux/amd64"))).isEqualTo(-1);
    }

    @Test
    void parsesAndPrints() {
        assertThat(Platform.parse("linux/arm/v7").toString()).isEqualTo("linux/arm/v7");
        assertThat(Platform.parse("Linux/aarch64").toString()).isEqualTo("linux/arm64");
        assertThatThrownBy(() -> Platform.parse("linux")).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> Platform.parse("linux//")).isInstanceOf(BerthException.class);
    }
}
