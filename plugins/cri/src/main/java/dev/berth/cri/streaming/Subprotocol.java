package dev.berth.cri.streaming;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A streaming subprotocol the client and server agreed on, and what it changes on the wire.
 *
 * @param name        the token in X-Stream-Protocol-Version (SPDY) or Sec-WebSocket-Protocol
 * @param statusJson  the error stream carries a metav1.Status JSON (v4 and later) rather than plain text
 * @param resize      exec/attach over SPDY: a resize stream exists (v3 and later)
 * @param base64      WebSocket: messages are text, a channel digit then base64, rather than binary
 * @param closeSignal WebSocket v5: the client may close one channel with the message [255, channel]
 */
record Subprotocol(String name, boolean statusJson, boolean resize, boolean base64, boolean closeSignal) {
    static final Subprotocol SPDY_V5 = new Subprotocol("v5.channel.k8s.io", true, true, false, false);
    static final Subprotocol SPDY_V4 = new Subprotocol("v4.channel.k8s.io", true, true, false, false);
    static final Subprotocol SPDY_V3 = new Subprotocol("v3.channel.k8s.io", false, true, false, false);
    static final Subprotocol SPDY_V2 = new Subprotocol("v2.channel.k8s.io", false, false, false, false);
    static final Subprotocol SPDY_V1 = new Subprotocol("channel.k8s.io", false, false, false, false);
    static final Subprotocol SPDY_PORT_FORWARD = new Subprotocol("portforward.k8s.io", false, false, false, false);

    static final Subprotocol WS_V5 = new Subprotocol("v5.channel.k8s.io", true, true, false, true);
    static final Subprotocol WS_V4 = new Subprotocol("v4.channel.k8s.io", true, true, false, false);
    static final Subprotocol WS_V4_BASE64 = new Subprotocol("v4.base64.channel.k8s.io", true, true, true, false);
    static final Subprotocol WS_BASE64 = new Subprotocol("base64.channel.k8s.io", false, true, true, false);
    static final Subprotocol WS_V1 = new Subprotocol("channel.k8s.io", false, true, false, false);

    /** SPDY exec/attach. v5 only adds a WebSocket close signal, so over SPDY it is v4, as in the kubelet. */
    static final List<Subprotocol> SPDY_COMMAND = List.of(SPDY_V5, SPDY_V4, SPDY_V3, SPDY_V2, SPDY_V1);
    static final List<Subprotocol> SPDY_PORT_FORWARDING = List.of(SPDY_PORT_FORWARD);
    /** WebSocket exec/attach, best first. */
    static final List<Subprotocol> WS_COMMAND = List.of(WS_V5, WS_V4, WS_V4_BASE64, WS_BASE64, WS_V1);
    /**
     * WebSocket port-forward, best first: the kubelet's two. ("portforward.k8s.io" over WebSocket is the API
     * server's SPDY tunnel, "SPDY/3.1+portforward.k8s.io", which never reaches a runtime.)
     */
    static final List<Subprotocol> WS_PORT_FORWARDING = List.of(
            new Subprotocol("v4.channel.k8s.io", false, false, false, false),
            new Subprotocol("v4.base64.channel.k8s.io", false, false, true, false));

    /** The client's offers from repeated and comma-separated header values, in the client's order. */
    static List<String> offered(List<String> headerValues) {
        List<String> out = new ArrayList<>();
        for (String v : headerValues) {
            for (String p : v.split(",")) {
                String t = p.trim();
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The client's first offer the server supports: how the SPDY handshake chooses. */
    static Optional<Subprotocol> clientPreferred(List<String> offered, List<Subprotocol> supported) {
        for (String o : offered) {
            for (Subprotocol s : supported) {
                if (s.name().equals(o)) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.empty();
    }

    /** The server's best protocol among the client's offers: how the WebSocket handshake chooses. */
    static Optional<Subprotocol> serverPreferred(List<String> offered, List<Subprotocol> supported) {
        return supported.stream().filter(s -> offered.contains(s.name())).findFirst();
    }

    static List<String> names(List<Subprotocol> protocols) {
        return protocols.stream().map(Subprotocol::name).toList();
    }
}
