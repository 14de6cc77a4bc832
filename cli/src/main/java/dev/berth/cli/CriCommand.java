package dev.berth.cli;

import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.RuntimeServiceGrpc;
import dev.berth.core.client.UnixSocketChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
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

    /**
     * Prints one document in {@code format}, json or yaml (a table is refused: these commands print documents
     * only); with {@code several}, YAML documents are separated by {@code ---}.
     */
    void printDocument(OutputFormat format, String json, boolean several) {
        if (!format.structured()) {
            throw new ParameterException(spec.commandLine(), "-o must be json or yaml for " + spec.name());
        }
        if (several && format == OutputFormat.yaml) {
            out().println("---");
        }
        format.print(out(), json);
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Something berthctl itself refuses (e.g. removing a running container without -f); printed, exit 1. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** One id's work for {@link #eachId}. */
    @FunctionalInterface
    interface IdAction {
        void run(String id) throws Exception;
    }

    /**
     * Runs {@code action} for every id, going on past an id that fails (its error is printed, naming it); returns 1
     * if any failed. An unreachable runtime stops at once.
     */
    int eachId(List<String> ids, IdAction action) throws Exception {
        int rc = 0;
        for (String id : ids) {
            try {
                action.run(id);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    throw e;
                }
                err().println("berthctl: " + Errors.describe(e));
                rc = 1;
            } catch (Refused e) {
                err().println("berthctl: " + e.getMessage());
                rc = 1;
            }
            out().flush();
            err().flush();
        }
        return rc;
    }
}
