package dev.berth.core.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

class LayerMediaTypesTest {
    @Test
    void declaredCompressionOfKnownTypes() {
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.OCI_TAR)).contains(Compression.NONE);
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.OCI_TAR_GZIP)).contains(Compression.GZIP);
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.OCI_TAR_ZSTD)).contains(Compression.ZSTD);
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.DOCKER_TAR_GZIP)).contains(Compression.GZIP);
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.OCI_NONDISTRIBUTABLE_TAR_ZSTD))
                .contains(Compression.ZSTD);
        assertThat(LayerMediaTypes.declaredCompression(" " + LayerMediaTypes.OCI_TAR_GZIP + "; foo=bar"))
                .contains(Compression.GZIP);
    }

    @Test
    void genericTypesMustBeSniffed() {
        assertThat(LayerMediaTypes.declaredCompression(null)).isEmpty();
        assertThat(LayerMediaTypes.declaredCompression("")).isEmpty();
        assertThat(LayerMediaTypes.declaredCompression("application/octet-stream")).isEmpty();
        assertThat(LayerMediaTypes.declaredCompression(LayerMediaTypes.DOCKER_TAR)).isEmpty();
    }

    @Test
    void unsupportedTypeIsInvalidArgumentNamingIt() {
        String encrypted = "application/vnd.oci.image.layer.v1.tar+gzip+encrypted";
        assertThatThrownBy(() -> LayerMediaTypes.declaredCompression(encrypted))
                .isInstanceOf(BerthException.class)
                .hasMessageContaining(encrypted)
                .satisfies(e -> assertThat(((BerthException) e).kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    }

    @Test
    void detectsMagicBytes() {
        assertThat(Compression.detect(new byte[] {0x1f, (byte) 0x8b, 8, 0}, 4)).isEqualTo(Compression.GZIP);
        assertThat(Compression.detect(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, 4)).isEqualTo(Compression.ZSTD);
        assertThat(Compression.detect(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, 3)).isEqualTo(Compression.NONE);
        assertThat(Compression.detect("etc/".getBytes(), 4)).isEqualTo(Compression.NONE);
        assertThat(Compression.detect(new byte[0], 0)).isEqualTo(Compression.NONE);
    }
}
