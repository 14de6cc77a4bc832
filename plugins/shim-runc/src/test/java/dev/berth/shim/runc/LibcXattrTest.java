package dev.berth.shim.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcXattrTest {
    @TempDir
    Path dir;
    private final Libc libc = Libc.load();

    @Test
    void readsAnAttributeOfTheFileItselfAndNullWhenAbsent() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        byte[] big = "v".repeat(300).getBytes(StandardCharsets.UTF_8);
        UserDefinedFileAttributeView view = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        try {
            view.write("berth.test", ByteBuffer.wrap(big));
        } catch (IOException | UnsupportedOperationException e) {
            assumeTrue(false, "no user xattrs on " + dir + ": " + e);
        }
        assertThat(libc.lgetxattr(f, "user.berth.test")).isEqualTo(big);
        assertThat(libc.lgetxattr(f, "user.berth.absent")).isNull();
        assertThat(libc.lgetxattr(f, "trusted.overlay.opaque")).isNull();
        assertThatThrownBy(() -> libc.lgetxattr(dir.resolve("missing"), "user.x")).isInstanceOf(IOException.class)
                .hasMessageContaining("ENOENT");
    }
}
