package dev.berth.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    private static final String EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void parsesAndPrintsSha256() {
        Digest d = Digest.parse(EMPTY_SHA256);
        assertThat(d.algorithm()).isEqualTo("sha256");
        assertThat(d.hex()).hasSize(64);
        assertThat(d).hasToString(EMPTY_SHA256);
        assertThat(Digest.sha256(new byte[0])).isEqualTo(d);
    }

    @Test
    void computesSha512() {
        Digest d = Digest.of(Digest.SHA512, "abc".getBytes(StandardCharsets.UTF_8));
        assertThat(d.toString()).startsWith("sha512:ddaf35a193617aba");
        assertThat(d.hex()).hasSize(128);
        assertThat(Digest.parse(d.toString())).isEqualTo(d);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "sha256",
        ":abc",
        "sha256:",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", // 63 digits
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", // upper case
        "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // sha512 needs 128
    })
    void rejectsMalformedNamingTheValue(String value) {
        assertThatThrownBy(() -> Digest.parse(value))
                .isInstanceOfSatisfying(BerthException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT))
                .hasMessageContaining("invalid digest")
                .hasMessageContaining(value);
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> Digest.parse(null)).isInstanceOf(BerthException.class);
        assertThatThrownBy(() -> new Digest(null, "ab")).isInstanceOf(BerthException.class);
    }

    @Test
    void constructorValidatesToo() {
        assertThatThrownBy(() -> new Digest("sha256", "abc"))
                .isInstanceOf(BerthException.class).hasMessageContaining("sha256:abc");
    }
}
