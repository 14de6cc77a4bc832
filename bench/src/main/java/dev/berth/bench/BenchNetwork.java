package dev.berth.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The pod network every daemon of the {@code sandboxes} workload is given: one CNI conflist in the run's temp dir
 * (bridge {@value #BRIDGE} on {@value #SUBNET} with host-local IPAM whose data dir is in the temp dir, then loopback),
 * the plugins from {@value #CNI_BIN_DIR}. No gateway and no masquerading, so the bridge plugin touches neither
 * ip_forward nor iptables (both are checked); the bridge itself is the one host change, and {@link #reset()} removes it after each
 * daemon (also after an interrupted run), so every daemon starts with no bridge.
 */
final class BenchNetwork implements AutoCloseable {
    static final String BRIDGE = "berthbench0";
    static final String NETWORK = "berthbench";
    static final String SUBNET = "10.235.0.0/16";
    static final String SUBNET_PREFIX = "10.235.";
    static final String CNI_BIN_DIR = "/usr/lib/cni";
    /** Where containerd and ip-netns pin namespaces by default; containerd is told not to, so this is only checked. */
    private static final Path HOST_NETNS = Path.of("/run/netns");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final Path confDir;
    private final Path ipamDir;
    private final String ipForward;
    private final Set<Path> hostNetnsBefore;
    private final Runnable undoAtInterrupt = this::resetQuietly;

    private BenchNetwork(Path confDir, Path ipamDir, String ipForward, Set<Path> hostNetnsBefore) {
        this.confDir = confDir;
        this.ipamDir = ipamDir;
        this.ipForward = ipForward;
        this.hostNetnsBefore = hostNetnsBefore;
    }

    /** Checks that the host can take the network (root, plugins, bridge name and subnet unused); writes the conflist. */
    static BenchNetwork create(Path work) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the sandboxes workload needs root (network namespaces, a bridge, mounts)");
        }
        for (String plugin : List.of("bridge", "host-local", "loopback")) {
            if (!Files.isExecutable(Path.of(CNI_BIN_DIR, plugin))) {
                throw new IllegalStateException("no CNI plugin " + CNI_BIN_DIR + "/" + plugin + " (Debian: containernetworking-plugins)");
            }
        }
        if (sh(List.of("ip", "link", "show", BRIDGE)).code() == 0) {
            throw new IllegalStateException("bridge " + BRIDGE + " exists already: another bench run, or one that was killed? "
                    + "(ip link del " + BRIDGE + " if nothing uses it)");
        }
        String routes = sh(List.of("ip", "-4", "route", "show", "table", "all")).out();
        if (routes.contains(SUBNET_PREFIX)) {
            throw new IllegalStateException("subnet " + SUBNET + " is in use on this host:\n" + routes);
        }
        Path confDir = Files.createDirectories(work.resolve("net.d"));
        Path ipamDir = work.resolve("ipam");
        Files.writeString(confDir.resolve("10-" + NETWORK + ".conflist"), "{\n"
                + "  \"cniVersion\": \"1.0.0\",\n"
                + "  \"name\": \"" + NETWORK + "\",\n"
                + "  \"plugins\": [\n"
                + "    {\"type\": \"bridge\", \"bridge\": \"" + BRIDGE + "\", \"isGateway\": false, \"ipMasq\": false,\n"
                + "     \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"" + SUBNET + "\"}]], \"dataDir\": \""
                + ipamDir + "\"}},\n"
                + "    {\"type\": \"loopback\"}\n"
                + "  ]\n"
                + "}\n");
        BenchNetwork net = new BenchNetwork(confDir, ipamDir, Files.readString(IP_FORWARD).strip(), hostNetns());
        TempDirs.atInterrupt(net.undoAtInterrupt);
        return net;
    }

    DaemonLauncher.Cni cni() {
        return new DaemonLauncher.Cni(confDir, Path.of(CNI_BIN_DIR));
    }

    Path confList() {
        return confDir.resolve("10-" + NETWORK + ".conflist");
    }

    /** Links enslaved to the bridge: the host ends of pods' veth pairs (0 when there is no bridge). */
    int vethsOnBridge() throws IOException, InterruptedException {
        Sh r = sh(List.of("ip", "-o", "link", "show", "master", BRIDGE));
        return r.code() != 0 ? 0 : (int) r.out().lines().filter(l -> !l.isBlank()).count();
    }

    boolean bridgeExists() throws IOException, InterruptedException {
        return sh(List.of("ip", "link", "show", BRIDGE)).code() == 0;
    }

    /** IPs host-local holds a reservation file for. */
    List<String> reservations() throws IOException {
        Path net = ipamDir.resolve(NETWORK);
        if (!Files.isDirectory(net)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(net)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SUBNET_PREFIX)).toList();
        }
    }

    /** iptables rules (IPv4, every table) that mention the subnet, as {@code table: rule}. */
    List<String> iptablesRules() throws IOException, InterruptedException {
        Sh r = sh(List.of("iptables-save"));
        if (r.code() != 0) {
            throw new IOException("iptables-save exited " + r.code() + ": " + r.out());
        }
        List<String> found = new ArrayList<>();
        String table = "";
        for (String line : r.out().split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
            } else if (line.startsWith("-A ") && line.contains(SUBNET_PREFIX)) {
                found.add(table + ": " + line);
            }
        }
        return found;
    }

    /** Entries of /run/netns that were not there when this network was created. */
    List<Path> hostNetnsLeft() throws IOException {
        List<Path> left = new ArrayList<>(hostNetns());
        left.removeAll(hostNetnsBefore);
        return left;
    }

    /**
     * Puts the host back as it was before the first daemon ran: deletes the bridge, the iptables rules that mention
     * the subnet, new /run/netns pins and the IPAM data. Says what it had to undo besides the bridge and the IPAM data,
     * which are expected, and whether ip_forward changed meanwhile; never throws for a single failure.
     */
    List<String> reset() throws IOException, InterruptedException {
        List<String> undone = new ArrayList<>();
        for (String rule : iptablesRules()) {
            int colon = rule.indexOf(": ");
            List<String> args = new ArrayList<>(List.of("iptables", "-t", rule.substring(0, colon), "-D"));
            List<String> words = words(rule.substring(colon + 2));
            args.addAll(words.subList(1, words.size())); // without "-A"
            Sh r = sh(args);
            undone.add("iptables rule " + rule + (r.code() == 0 ? " (deleted)" : " (cannot delete: " + r.out().strip() + ")"));
        }
        for (Path ns : hostNetnsLeft()) {
            if (!ns.getFileName().toString().startsWith("cni-")) {
                continue; // not a CRI runtime's: someone else's
            }
            sh(List.of("umount", ns.toString()));
            Files.deleteIfExists(ns);
            undone.add("netns pin " + ns);
        }
        if (bridgeExists()) {
            Sh r = sh(List.of("ip", "link", "del", BRIDGE));
            if (r.code() != 0) {
                undone.add("bridge " + BRIDGE + " (cannot delete: " + r.out().strip() + ")");
            }
        }
        if (Files.exists(ipamDir)) {
            TempDirs.delete(ipamDir);
        }
        String forward = Files.readString(IP_FORWARD).strip();
        if (!forward.equals(ipForward)) {
            // Not this conflist's doing (no gateway), and other runs on this host toggle it and restore it themselves
            // (PodSandboxIT's gateway bridge): writing it back could break them mid-test, so only say so.
            undone.add("nothing: net.ipv4.ip_forward is " + forward + ", was " + ipForward
                    + " at the start (changed by someone else: left alone)");
        }
        return undone;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            List<String> undone = reset();
            if (!undone.isEmpty()) {
                System.err.println("bench: sandboxes: undone at the end: " + String.join("; ", undone));
            }
        } finally {
            TempDirs.forgetAtInterrupt(undoAtInterrupt);
        }
    }

    private void resetQuietly() {
        try {
            reset();
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("bench: cannot remove the bench network: " + e);
        }
    }

    private static Set<Path> hostNetns() throws IOException {
        Set<Path> found = new HashSet<>();
        if (Files.isDirectory(HOST_NETNS)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(HOST_NETNS)) {
                s.forEach(found::add);
            }
        }
        return found;
    }

    /** iptables-save's words: blanks separate them, double quotes (with backslash escapes) group them. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
            } else if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any || w.length() > 0) {
                    out.add(w.toString());
                }
                w.setLength(0);
                any = false;
            } else {
                w.append(c);
            }
        }
        if (any || w.length() > 0) {
            out.add(w.toString());
        }
        return out;
    }

    record Sh(int code, String out) {
    }

    /** Runs {@code cmd} (30 s at most) and returns its exit code and output, whatever the code. */
    static Sh sh(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("berth-bench-sh-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Sh(-1, String.join(" ", cmd) + " did not finish within 30 s");
            }
            return new Sh(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
