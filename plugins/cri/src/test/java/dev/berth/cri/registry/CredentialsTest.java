package dev.berth.cri.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.core.errdefs.BerthException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialsTest {
    @Test
    void toStringNeverShowsSecrets() {
        Credentials c = new Credentials("alice", "pw-1", "YWxpY2U6cHctMQ==", "refresh-2", "bearer-3");
        assertThat(c.toString()).contains("alice").doesNotContain("pw-1", "YWxpY2U6cHctMQ==", "refresh-2", "bearer-3");
        assertThat(c.userPassword().orElseThrow().toString()).doesNotContain("pw-1");
    }

    @Test
    void authFieldDecodesToUserAndPassword() {
        String auth = Base64.getEncoder().encodeToString("bob:s:ecret".getBytes(StandardCharsets.UTF_8));
        Credentials c = new Credentials(null, null, auth, null, null);
        assertThat(c.userPassword().orElseThrow().user()).isEqualTo("bob");
        assertThat(c.userPassword().orElseThrow().password()).isEqualTo("s:ecret");
        assertThat(Credentials.none().isEmpty()).isTrue();
        assertThat(Credentials.none().userPassword()).isEmpty();
        assertThatThrownBy(() -> new Credentials("", "", "!!!", "", "").userPassword()).isInstanceOf(BerthException.class);
    }
}
