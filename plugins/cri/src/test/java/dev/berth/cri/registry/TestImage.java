package dev.berth.cri.registry;

import dev.berth.core.content.Digest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A two-platform image (linux/amd64 and linux/arm64, two layers each) with the exact bytes a registry serves. */
final class TestImage {
    record PlatformImage(byte[] manifest, Digest manifestDigest, byte[] config, Digest configDigest, List<byte[]> layers,
                         List<Digest> layerDigests) {
    }

    private final Map<Digest, byte[]> blobs = new LinkedHashMap<>();
    private final Map<Digest, byte[]> manifests = new LinkedHashMap<>();
    final PlatformImage amd64;
    final PlatformImage arm64;
    final byte[] index;
    final Digest indexDigest;

    TestImage(long seed) {
        amd64 = platformImage("amd64", seed);
        arm64 = platformImage("arm64", seed + 1);
        String idx = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + entry(amd64, "amd64") + "," + entry(arm64, "arm64")
                + ",{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + amd64.manifestDigest()
                + "\",\"size\":" + amd64.manifest().length + ",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}"
                + "]}";
        index = idx.getBytes(StandardCharsets.UTF_8);
        indexDigest = Digest.sha256(index);
    }

    private static String entry(PlatformImage p, String arch) {
        return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + p.manifestDigest() + "\",\"size\":"
                + p.manifest().length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\"}}";
    }

    private PlatformImage platformImage(String arch, long seed) {
        Random r = new Random(seed);
        byte[] l0 = new byte[300_000];
        byte[] l1 = new byte[70_000];
        r.nextBytes(l0);
        r.nextBytes(l1);
        Digest d0 = Digest.sha256(l0);
        Digest d1 = Digest.sha256(l1);
        // diff ids would be of the uncompressed layers; any digests do for a pull
        String config = "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"created\":\"2024-01-02T03:04:05Z\","
                + "\"config\":{\"User\":\"1000:1000\",\"Env\":[\"PATH=/usr/bin:/bin\",\"A=b\"],\"Entrypoint\":[\"/bin/app\"],"
                + "\"Cmd\":[\"--serve\"],\"WorkingDir\":\"/srv\",\"Labels\":{\"org.example\":\"yes\"},\"StopSignal\":\"SIGTERM\","
                + "\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},\"Volumes\":{\"/data\":{}}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(("u0" + arch).getBytes()) + "\",\""
                + Digest.sha256(("u1" + arch).getBytes()) + "\"]}}";
        byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
        Digest cd = Digest.sha256(cfg);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + cd + "\",\"size\":" + cfg.length + "},\"layers\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + d0 + "\",\"size\":" + l0.length + "},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + d1 + "\",\"size\":" + l1.length + "}]}";
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        Digest md = Digest.sha256(m);
        blobs.put(cd, cfg);
        blobs.put(d0, l0);
        blobs.put(d1, l1);
        manifests.put(md, m);
        return new PlatformImage(m, md, cfg, cd, List.of(l0, l1), List.of(d0, d1));
    }

    byte[] top() {
        return index;
    }

    String topMediaType() {
        return MediaTypes.OCI_INDEX;
    }

    Map<Digest, byte[]> blobs() {
        return blobs;
    }

    Map<Digest, byte[]> manifests() {
        return manifests;
    }
}
