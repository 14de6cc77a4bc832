package dev.berth.cli;

import dev.berth.api.cri.v1.ContainerState;
import dev.berth.api.cri.v1.ContainerStatus;
import dev.berth.api.cri.v1.ContainerStatusRequest;
import dev.berth.core.client.UnixSocketChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berthctl logs [-f] [--tail N] ID}: reads the container's log file (ContainerStatus.log_path) as crictl does,
 * so it needs to run on the node. stdout lines go to stdout, stderr lines to stderr. {@code -f} follows the file,
 * across ReopenContainerLog rotation, until the container stops or the user presses Ctrl-C.
 */
@Command(name = "logs", description = "Print a container's log (the file CRI ContainerStatus names); -f follows it.")
final class LogsCommand extends CriCommand {
    private static final long POLL_MILLIS = 100;
    private static final long STATE_CHECK_MILLIS = 1000;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until the container stops (or Ctrl-C).")
    boolean follow;
    @Option(names = "--tail", defaultValue = "-1", paramLabel = "N", description = "Only the last N lines (default: all).")
    int tail;
    @Option(names = {"-t", "--timestamps"}, description = "Prefix each line with its time.")
    boolean timestamps;
    @Parameters(paramLabel = "ID", description = "Container id or unique prefix.")
    String id;

    private List<CriLog.Line> buffered;

    @Override
    int call(UnixSocketChannel ch) throws Exception {
        ContainerStatus s = status(ch, id);
        if (s.getLogPath().isEmpty()) {
            throw new Refused("container " + id + " has no log file (its log_path is empty)");
        }
        Path file = Path.of(s.getLogPath());
        if (!Files.exists(file)) {
            throw new Refused("container " + id + ": log file " + file + " does not exist");
        }
        try (LogFileReader reader = new LogFileReader(file)) {
            CriLog.Joiner joiner = new CriLog.Joiner(this::emit);
            buffered = new ArrayList<>();
            reader.readAvailable(joiner::accept);
            if (!follow) {
                joiner.flush();
            }
            List<CriLog.Line> first = buffered;
            buffered = null;
            (tail < 0 || tail >= first.size() ? first : first.subList(first.size() - tail, first.size())).forEach(this::emit);
            flushBoth();
            if (follow) {
                follow(ch, s.getId(), reader, joiner);
            }
        }
        return 0;
    }

    private void follow(UnixSocketChannel ch, String fullId, LogFileReader reader, CriLog.Joiner joiner) throws Exception {
        long lastCheck = System.currentTimeMillis();
        while (true) {
            int n = reader.readAvailable(joiner::accept);
            flushBoth();
            if (n > 0) {
                continue;
            }
            if (System.currentTimeMillis() - lastCheck >= STATE_CHECK_MILLIS) {
                lastCheck = System.currentTimeMillis();
                if (!alive(ch, fullId)) {
                    Thread.sleep(2 * POLL_MILLIS); // the monitor writes the last lines as the process ends
                    reader.readAvailable(joiner::accept);
                    joiner.flush();
                    flushBoth();
                    return;
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private boolean alive(UnixSocketChannel ch, String fullId) {
        try {
            ContainerState st = status(ch, fullId).getState();
            return st == ContainerState.CONTAINER_RUNNING || st == ContainerState.CONTAINER_CREATED;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return false; // removed while we followed
            }
            throw e;
        }
    }

    private ContainerStatus status(UnixSocketChannel ch, String containerId) {
        return runtime(ch).containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build()).getStatus();
    }

    private void emit(CriLog.Line line) {
        if (buffered != null) {
            buffered.add(line);
            return;
        }
        String text = timestamps && !line.timestamp().isEmpty() ? line.timestamp() + " " + line.text() : line.text();
        (line.stream() == CriLog.Stream.stderr ? err() : out()).println(text);
    }

    private void flushBoth() {
        out().flush();
        err().flush();
    }
}
