package dev.berth.cri.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubprotocolTest {
    @Test
    void offersComeFromRepeatedAndCommaSeparatedHeaders() {
        assertThat(Subprotocol.offered(List.of("a, b", "c", " ", "d,,e"))).containsExactly("a", "b", "c", "d", "e");
    }

    @Test
    void spdyTakesTheClientsFirstSupportedProtocol() {
        assertThat(Subprotocol.clientPreferred(List.of("x", "v2.channel.k8s.io", "v4.channel.k8s.io"), Subprotocol.SPDY_COMMAND))
                .contains(Subprotocol.SPDY_V2);
        assertThat(Subprotocol.clientPreferred(List.of("v5.channel.k8s.io"), Subprotocol.SPDY_COMMAND)).contains(Subprotocol.SPDY_V5);
        assertThat(Subprotocol.clientPreferred(List.of("portforward.k8s.io"), Subprotocol.SPDY_COMMAND)).isEmpty();
        assertThat(Subprotocol.clientPreferred(List.of("portforward.k8s.io"), Subprotocol.SPDY_PORT_FORWARDING)).isPresent();
    }

    @Test
    void webSocketTakesTheServersBestAmongTheOffers() {
        assertThat(Subprotocol.serverPreferred(List.of("channel.k8s.io", "base64.channel.k8s.io"), Subprotocol.WS_COMMAND))
                .contains(Subprotocol.WS_BASE64);
        assertThat(Subprotocol.serverPreferred(List.of("v4.base64.channel.k8s.io", "v5.channel.k8s.io"), Subprotocol.WS_COMMAND))
                .contains(Subprotocol.WS_V5);
        assertThat(Subprotocol.serverPreferred(List.of("v4.base64.channel.k8s.io", "v4.channel.k8s.io"), Subprotocol.WS_PORT_FORWARDING))
                .hasValueSatisfying(p -> assertThat(p.base64()).isFalse());
        assertThat(Subprotocol.serverPreferred(List.of(), Subprotocol.WS_COMMAND)).isEmpty();
    }

    @Test
    void onlyV4AndLaterReportJsonAndOnlyV3AndLaterResizeOverSpdy() {
        assertThat(Subprotocol.SPDY_COMMAND).filteredOn(Subprotocol::statusJson).extracting(Subprotocol::name)
                .containsExactly("v5.channel.k8s.io", "v4.channel.k8s.io");
        assertThat(Subprotocol.SPDY_COMMAND).filteredOn(Subprotocol::resize).extracting(Subprotocol::name)
                .containsExactly("v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io");
    }
}
