package dev.berth.itest.fuzz;

import com.google.protobuf.Message;
import dev.berth.api.cri.v1.CheckpointContainerRequest;
import dev.berth.api.cri.v1.CreateContainerRequest;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.RunPodSandboxRequest;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps a fuzzed request from reaching beyond the test: pulls only ever go to a closed loopback port (or carry a
 * name no reference parser accepts), containers name images that were never pulled (so no container, mount or host
 * path is ever made), pod log directories and checkpoint archives stay inside the test's directory. Everything else
 * of the request stays as random as it came.
 */
public final class HostSafety {
    private final RandomMessages random;
    private final Path dir;
    private final int closedPort;

    /**
     * @param dir        the test's own directory
     * @param closedPort a loopback port nothing listens on
     */
    public HostSafety(RandomMessages random, Path dir, int closedPort) {
        this.random = random;
        this.dir = dir;
        this.closedPort = closedPort;
    }

    public Message apply(Message request) {
        if (request instanceof PullImageRequest q) {
            return q.toBuilder().setImage(q.getImage().toBuilder().setImage(unreachableImage())).build();
        }
        if (request instanceof CreateContainerRequest q && q.hasConfig()) {
            var b = q.toBuilder();
            b.getConfigBuilder().getImageBuilder().setImage(unreachableImage());
            return b.build();
        }
        if (request instanceof RunPodSandboxRequest q && q.hasConfig()) {
            var b = q.toBuilder();
            b.getConfigBuilder().setLogDirectory(pick(dir.resolve("logs/" + random.hex(6)).toString(), "",
                    dir.resolve("logs/../escape").toString(), "relative/logs", "nul\0" + dir));
            return b.build();
        }
        if (request instanceof CheckpointContainerRequest q) {
            return q.toBuilder().setLocation(pick(dir.resolve("checkpoint-" + random.hex(6) + ".tar").toString(), "",
                    "relative.tar", "nul\0" + dir)).build();
        }
        return request;
    }

    /** An image that is never there: on a closed loopback port, or not a reference at all. */
    private String unreachableImage() {
        String s = random.string();
        return switch (random.nextInt(3)) {
            case 0 -> "127.0.0.1:" + closedPort + "/fuzz/" + random.hex(8) + ":" + random.hex(4);
            case 1 -> "127.0.0.1:" + closedPort + "/" + s;
            default -> "Not A Reference " + s;
        };
    }

    private String pick(String... choices) {
        return List.of(choices).get(random.nextInt(choices.length));
    }
}
