package dev.berth.sandbox;

import dev.berth.core.fs.FileTrees;
import dev.berth.core.sandbox.DnsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The per-pod {@code hostname}, {@code hosts} and {@code resolv.conf} that containers bind as their /etc files. */
final class SandboxFiles {
    static final String HOSTNAME = "hostname";
    static final String HOSTS = "hosts";
    static final String RESOLV_CONF = "resolv.conf";
    private final Path hostHosts;
    private final Path hostResolvConf;

    SandboxFiles(Path hostHosts, Path hostResolvConf) {
        this.hostHosts = hostHosts;
        this.hostResolvConf = hostResolvConf;
    }

    /**
     * Writes the three files into {@code dir}. With host network the host's hosts file is copied; otherwise it
     * names localhost and maps the pod IP to its hostname.
     */
    void write(Path dir, String hostname, String podIp, DnsConfig dns, boolean hostNetwork) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve(HOSTNAME), hostname + "\n");
        if (hostNetwork && Files.isRegularFile(hostHosts)) {
            writeAtomically(dir.resolve(HOSTS), Files.readString(hostHosts, StandardCharsets.UTF_8));
        } else {
            writeAtomically(dir.resolve(HOSTS), hosts(hostname, podIp));
        }
        if (!dns.isEmpty()) {
            writeAtomically(dir.resolve(RESOLV_CONF), resolvConf(dns));
        } else if (Files.isRegularFile(hostResolvConf)) {
            writeAtomically(dir.resolve(RESOLV_CONF), Files.readString(hostResolvConf, StandardCharsets.UTF_8));
        } else {
            writeAtomically(dir.resolve(RESOLV_CONF), "");
        }
    }

    /** Gives the three files written by {@link #write} to {@code uid}:{@code gid} (a pod's root in its user namespace). */
    void chown(Path dir, long uid, long gid) throws IOException {
        for (String f : List.of(HOSTNAME, HOSTS, RESOLV_CONF)) {
            FileTrees.chown(dir.resolve(f), uid, gid);
        }
    }

    static String hosts(String hostname, String podIp) {
        StringBuilder b = new StringBuilder()
                .append("127.0.0.1\tlocalhost\n")
                .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                .append("fe00::0\tip6-localnet\n")
                .append("ff00::0\tip6-mcastprefix\n")
                .append("ff02::1\tip6-allnodes\n")
                .append("ff02::2\tip6-allrouters\n");
        if (!podIp.isEmpty()) {
            b.append(podIp).append('\t').append(hostname).append('\n');
        }
        return b.toString();
    }

    static String resolvConf(DnsConfig dns) {
        StringBuilder b = new StringBuilder();
        if (!dns.searches().isEmpty()) {
            b.append("search ").append(String.join(" ", dns.searches())).append('\n');
        }
        for (String s : dns.servers()) {
            b.append("nameserver ").append(s).append('\n');
        }
        if (!dns.options().isEmpty()) {
            b.append("options ").append(String.join(" ", dns.options())).append('\n');
        }
        return b.toString();
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
