package dev.berth.core.plugin;

/** The plugin types Berth itself knows. Third parties may define more; a type is just a string. */
public final class PluginTypes {
    /** Plugins whose instance is a {@link GrpcServiceProvider}: their services are served on the daemon socket. */
    public static final String GRPC = "io.berth.grpc.v1";
    /** Content-addressed blob stores. */
    public static final String CONTENT = "io.berth.content.v1";
    /** Snapshotters (filesystem layers for containers). */
    public static final String SNAPSHOTTER = "io.berth.snapshotter.v1";
    /** Layer appliers: unpack an image layer (tar, gzip, zstd) into a snapshot directory. */
    public static final String DIFF = "io.berth.diff.v1";
    /** Pod sandbox controllers. */
    public static final String SANDBOX_CONTROLLER = "io.berth.sandbox.controller.v1";
    /** Runtime shims (container processes). */
    public static final String RUNTIME = "io.berth.runtime.v2";

    private PluginTypes() {
    }
}
