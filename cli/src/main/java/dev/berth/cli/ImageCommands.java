package dev.berth.cli;

import dev.berth.api.admin.v1.AdminGrpc;
import dev.berth.api.admin.v1.ListIngestsRequest;
import dev.berth.api.cri.v1.AuthConfig;
import dev.berth.api.cri.v1.Image;
import dev.berth.api.cri.v1.ImageFilter;
import dev.berth.api.cri.v1.ImageSpec;
import dev.berth.api.cri.v1.ImageStatusRequest;
import dev.berth.api.cri.v1.ImageStatusResponse;
import dev.berth.api.cri.v1.ListImagesRequest;
import dev.berth.api.cri.v1.ListImagesResponse;
import dev.berth.api.cri.v1.ImageServiceGrpc;
import dev.berth.api.cri.v1.PullImageRequest;
import dev.berth.api.cri.v1.PullImageResponse;
import dev.berth.api.cri.v1.RemoveImageRequest;
import dev.berth.cli.pull.PullWatcher;
import dev.berth.core.client.UnixSocketChannel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The image commands, named and shaped like crictl's: {@code images}, {@code pull}, {@code rmi}, {@code inspecti}. */
final class ImageCommands {
    private ImageCommands() {
    }

    private static ImageSpec spec(String image) {
        return ImageSpec.newBuilder().setImage(image).build();
    }

    /** {@code berthctl images [IMAGE]}. */
    @Command(name = "images", description = "List images (CRI ListImages), optionally only those matching IMAGE.")
    static final class Images extends CriCommand {
        @Parameters(arity = "0..1", paramLabel = "IMAGE", description = "Name, id or digest to filter by.")
        String image;
        @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, json or yaml")
        OutputFormat output;
        @Option(names = {"-q", "--quiet"}, description = "Only image ids.")
        boolean quiet;

        @Override
        int call(UnixSocketChannel ch) {
            ListImagesRequest.Builder req = ListImagesRequest.newBuilder();
            if (image != null) {
                req.setFilter(ImageFilter.newBuilder().setImage(spec(image)));
            }
            ListImagesResponse resp = images(ch).listImages(req.build());
            if (output.structured()) {
                output.print(out(), ProtoJson.write(resp));
                return 0;
            }
            if (quiet) {
                resp.getImagesList().forEach(i -> out().println(i.getId()));
                return 0;
            }
            Table t = new Table("IMAGE", "TAG", "DIGEST", "IMAGE ID", "SIZE");
            for (Image i : resp.getImagesList()) {
                List<String> tags = i.getRepoTagsList().isEmpty() ? List.of("<none>:<none>") : i.getRepoTagsList();
                for (String tag : tags) {
                    int colon = tag.lastIndexOf(':');
                    String digest = i.getRepoDigestsList().isEmpty() ? "<none>" : shortDigest(i.getRepoDigests(0));
                    t.row(tag.substring(0, colon), tag.substring(colon + 1), digest, shortId(i.getId()), size(i.getSize()));
                }
            }
            t.print(out());
            return 0;
        }
    }

    /** {@code berthctl pull IMAGE}: progress on stderr (bars on a terminal, lines otherwise), the image id on stdout. */
    @Command(name = "pull", description = "Pull an image (CRI PullImage) and print its id; waits up to 10 minutes "
            + "or --timeout, whichever is longer. Progress goes to stderr: bars on a terminal, a line per second "
            + "otherwise; against a runtime other than Berth only the time so far.")
    static final class Pull extends CriCommand {
        @Option(names = {"-q", "--quiet"}, description = "No progress, only the result.")
        boolean quiet;
        @Parameters(paramLabel = "IMAGE")
        String image;
        @Option(names = "--creds", paramLabel = "USER[:PASSWORD]", description = "Registry credentials.")
        String creds;
        @Option(names = "--auth", paramLabel = "BASE64", description = "Registry credentials as base64 of user:password.")
        String auth;

        @Override
        long deadlineSeconds() {
            return Math.max(top.timeoutSeconds, 600);
        }

        @Override
        int call(UnixSocketChannel ch) throws Exception {
            PullImageRequest.Builder req = PullImageRequest.newBuilder().setImage(spec(image));
            if (creds != null) {
                int colon = creds.indexOf(':');
                req.setAuth(AuthConfig.newBuilder().setUsername(colon < 0 ? creds : creds.substring(0, colon))
                        .setPassword(colon < 0 ? "" : creds.substring(colon + 1)));
            } else if (auth != null) {
                req.setAuth(AuthConfig.newBuilder().setAuth(auth));
            }
            PullImageResponse resp;
            if (quiet) {
                resp = images(ch).pullImage(req.build());
            } else {
                PullWatcher.Mode mode = System.console() != null ? PullWatcher.Mode.TERMINAL : PullWatcher.Mode.LINES;
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(ch.channel());
                PullWatcher.IngestSource ingests = () -> admin.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .listIngests(ListIngestsRequest.newBuilder().setRefPrefix("pull-").build()).getIngestsList();
                resp = new PullWatcher(mode, err(), ingests, image, System::nanoTime).watch(() ->
                        ImageServiceGrpc.newFutureStub(ch.channel()).withDeadlineAfter(deadlineSeconds(), TimeUnit.SECONDS)
                                .pullImage(req.build()));
            }
            out().println("Image is up to date for " + resp.getImageRef());
            return 0;
        }
    }

    /** {@code berthctl rmi IMAGE...}. */
    @Command(name = "rmi", description = "Remove images (CRI RemoveImage); a tag removes only that name.")
    static final class Rmi extends CriCommand {
        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> names;

        @Override
        int call(UnixSocketChannel ch) {
            for (String name : names) {
                images(ch).removeImage(RemoveImageRequest.newBuilder().setImage(spec(name)).build());
                out().println("Deleted: " + name);
            }
            return 0;
        }
    }

    /** {@code berthctl inspecti IMAGE}. */
    @Command(name = "inspecti", description = "Show an image's status (CRI ImageStatus, verbose) as JSON or YAML; exit 1 if absent.")
    static final class Inspecti extends CriCommand {
        @Parameters(paramLabel = "IMAGE")
        String image;
        @Option(names = {"-o", "--output"}, defaultValue = "json", description = "json or yaml")
        OutputFormat output;

        @Override
        int call(UnixSocketChannel ch) {
            ImageStatusResponse s = images(ch).imageStatus(ImageStatusRequest.newBuilder().setImage(spec(image)).setVerbose(true).build());
            if (!s.hasImage()) {
                spec.commandLine().getErr().println("berthctl: no such image: " + image);
                return 1;
            }
            printDocument(output, StatusJson.embedInfo(s), false);
            return 0;
        }
    }

    static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.substring(0, Math.min(13, hex.length()));
    }

    static String shortDigest(String repoDigest) {
        int at = repoDigest.indexOf("@sha256:");
        return at < 0 ? repoDigest : repoDigest.substring(at + 8, Math.min(repoDigest.length(), at + 8 + 13));
    }

    /** Bytes as crictl prints them: 4.46MB (decimal units). */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + "B" : String.format(Locale.ROOT, "%.3g%s", v, units[u]);
    }
}
