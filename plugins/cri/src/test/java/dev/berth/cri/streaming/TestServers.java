package dev.berth.cri.streaming;

import com.typesafe.config.ConfigFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starting servers and client event loops the same way in every test. */
final class TestServers {
    static final List<String> V4 = List.of("v4.channel.k8s.io");

    private TestServers() {
    }

    static StreamServer start(String hocon) {
        return StreamServer.start(StreamSettings.from(ConfigFactory.parseString(hocon)));
    }

    static StreamServer start() {
        return start("");
    }

    static EventLoopGroup clients() {
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-client", true), NioIoHandler.newFactory());
    }

    static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
    }

    static Map<String, String> type(String streamType) {
        return Map.of("streamtype", streamType);
    }
}
