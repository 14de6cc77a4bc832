package dev.berth.cli;

import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.core.client.UnixSocketChannel;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A berthctl command that makes CRI calls: it opens the runtime socket, runs {@link #call(UnixSocketChannel)},
 * and closes the socket. Stubs carry the {@code --timeout} deadline.
 */
abstract class CriCommand implements Callable<Integer> {
    @ParentCommand
    BerthctlMain top;
    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        try (UnixSocketChannel ch = top.connect()) {
            int rc = call(ch);
            out().flush();
            return rc;
        }
    }

    abstract int call(UnixSocketChannel ch) throws Exception;

    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(UnixSocketChannel ch) {
        return RuntimeServiceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(deadlineSeconds(), TimeUnit.SECONDS);
    }

    ImageServiceGrpc.ImageServiceBlockingStub images(UnixSocketChannel ch) {
        return ImageServiceGrpc.newBlockingStub(ch.channel()).withDeadlineAfter(deadlineSeconds(), TimeUnit.SECONDS);
    }

    /** How long each call may take: {@code --timeout}. */
    long deadlineSeconds() {
        return top.timeoutSeconds;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
