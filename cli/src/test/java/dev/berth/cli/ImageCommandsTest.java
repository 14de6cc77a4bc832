package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageCommandsTest {
    @Test
    void sizesInDecimalUnitsLikeCrictl() {
        assertThat(ImageCommands.size(999)).isEqualTo("999B");
        assertThat(ImageCommands.size(4_460_000)).isEqualTo("4.46MB");
        assertThat(ImageCommands.size(1_000_000_000)).isEqualTo("1.00GB");
    }

    @Test
    void shortIdsAndDigests() {
        String hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assertThat(ImageCommands.shortId("sha256:" + hex)).isEqualTo("0123456789abc");
        assertThat(ImageCommands.shortDigest("127.0.0.1:5000/busybox@sha256:" + hex)).isEqualTo("0123456789abc");
    }
}
