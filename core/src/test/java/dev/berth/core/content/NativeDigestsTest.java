package dev.berth.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.content.Digest;
import dev.berth.core.content.Info;
import dev.berth.core.content.Writer;
import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large ingests take the native digest path when NSS is installed; these must agree with the JDK's SHA-256. */
class NativeDigestsTest {
    @TempDir
    Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void nativeDigestMatchesJdkIncludingClones() throws Exception {
        byte[] data = random(3 << 20, 7);
        for (String alg : new String[] {Digest.SHA256, Digest.SHA512}) {
            MessageDigest md = NativeDigests.forIngest(alg, -1);
            MessageDigest jdk = Digest.newMessageDigest(alg);
            md.update(data, 0, 12345);
            jdk.update(data, 0, 12345);
            MessageDigest copy = (MessageDigest) md.clone();
            assertThat(copy.digest()).isEqualTo(((MessageDigest) jdk.clone()).digest());
            md.update(ByteBuffer.wrap(data, 12345, data.length - 12345));
            ByteBuffer direct = ByteBuffer.allocateDirect(1000).put(data, 0, 1000).flip();
            md.update(direct);
            jdk.update(data, 12345, data.length - 12345);
            jdk.update(data, 0, 1000);
            assertThat(md.digest()).isEqualTo(jdk.digest());
        }
        assertThat(NativeDigests.forIngest(Digest.SHA256, 10).getProvider().getName()).isEqualTo("SUN");
        if (Files.isRegularFile(Path.of("/usr/lib/x86_64-linux-gnu/libsoftokn3.so"))) { // Debian with NSS, as here
            assertThat(NativeDigests.nativeAvailable()).isTrue();
            assertThat(NativeDigests.forIngest(Digest.SHA256, -1).getProvider().getName()).startsWith("SunPKCS11");
        }
    }
}
