package dev.berth.cri.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.core.content.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnpackerTest {
    @Test
    void chainIdsFollowTheOciRecursion() {
        Digest a = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
        Digest b = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));
        Digest c = Digest.sha256("c".getBytes(StandardCharsets.UTF_8));
        List<String> chain = Unpacker.chainIds(List.of(a, b, c));
        assertThat(chain.get(0)).isEqualTo(a.toString());
        String ab = Digest.sha256((a + " " + b).getBytes(StandardCharsets.UTF_8)).toString();
        assertThat(chain.get(1)).isEqualTo(ab);
        assertThat(chain.get(2)).isEqualTo(Digest.sha256((ab + " " + c).getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(Unpacker.chainIds(List.of(b, a)).get(1)).isNotEqualTo(ab);
    }
}
