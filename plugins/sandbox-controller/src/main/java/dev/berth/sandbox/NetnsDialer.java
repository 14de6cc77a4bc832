package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.sys.SysCalls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens TCP connections to a pod's own loopback, for port forwarding. A socket belongs to the network namespace its
 * creating thread was in, so each dial runs on a fresh thread that joins the pod's namespace with setns(2), creates
 * and connects the socket, and then dies: the namespace switch never leaks into a pooled thread, and the socket keeps
 * working from any thread afterwards.
 */
final class NetnsDialer {
    private static final long DIAL_TIMEOUT_SECONDS = 10;

    /**
     * Connects to {@code port} on 127.0.0.1, then ::1, inside {@code netns}; on the host's loopback when netns is null
     * (host-network pods).
     */
    SocketChannel dial(Path netns, int port, String sandboxId) {
        CompletableFuture<SocketChannel> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                if (netns != null) {
                    enter(netns);
                }
                result.complete(connect(port, sandboxId));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "berth-netns-dial-" + port);
        t.setDaemon(true);
        t.start();
        try {
            return result.get(DIAL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BerthException b) {
                throw b;
            }
            throw new BerthException(ErrorKind.INTERNAL, "port " + port + " of pod " + sandboxId + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            result.thenAccept(NetnsDialer::closeQuietly);
            throw new BerthException(ErrorKind.DEADLINE_EXCEEDED, "connecting to port " + port + " of pod " + sandboxId
                    + " took longer than " + DIAL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            result.thenAccept(NetnsDialer::closeQuietly);
            Thread.currentThread().interrupt();
            throw new BerthException(ErrorKind.CANCELLED, "interrupted while connecting to pod " + sandboxId);
        }
    }

    private static void enter(Path netns) {
        SysCalls.get().setns(netns, SysCalls.CLONE_NEWNET);
    }

    private static SocketChannel connect(int port, String sandboxId) throws IOException {
        IOException last = null;
        for (InetAddress lo : List.of(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}),
                InetAddress.getByName("::1"))) {
            SocketChannel ch = SocketChannel.open(lo.getAddress().length == 4 ? StandardProtocolFamily.INET
                    : StandardProtocolFamily.INET6);
            try {
                ch.connect(new InetSocketAddress(lo, port));
                return ch;
            } catch (IOException e) {
                ch.close();
                last = e;
            }
        }
        throw new BerthException(ErrorKind.UNAVAILABLE, "nothing accepts connections on port " + port + " in pod "
                + sandboxId + ": " + last.getMessage());
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
