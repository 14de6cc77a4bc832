package dev.berth.core.diff;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.errdefs.BerthException;
import org.junit.jupiter.api.Test;

class DiffIdsTest {
    private final Digest a = Digest.sha256("a".getBytes());
    private final Digest b = Digest.sha256("b".getBytes());

    @Test
    void matchingDiffIdPasses() {
        assertThatCode(() -> DiffIds.verify("layer 0", a, new ApplyResult(a, 1, 1))).doesNotThrowAnyException();
    }

    @Test
    void mismatchNamesLayerAndBothDigests() {
        assertThatThrownBy(() -> DiffIds.verify("layer 3", a, new ApplyResult(b, 1, 1)))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining("layer 3").hasMessageContaining(a.toString()).hasMessageContaining(b.toString());
    }

    @Test
    void optionsPickOpaqueXattr() {
        org.assertj.core.api.Assertions.assertThat(ApplyOptions.OVERLAY.opaqueXattr()).isEqualTo("trusted.overlay.opaque");
        org.assertj.core.api.Assertions.assertThat(ApplyOptions.OVERLAY.withUserXattr(true).opaqueXattr())
                .isEqualTo("user.overlay.opaque");
    }
}
