package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.cri.v1.VersionRequest;
import dev.berth.testing.reliability.Fault;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Startup, plugin states, config errors and shutdown of the real daemon. */
@ExtendWith(Daemons.class)
class DaemonLifecycleIT {
    @Test
    void unknownConfigKeyFailsStartupWithLineAndSuggestion(Daemons.Session s) throws Exception {
        TestConfig c = s.config().append("# a typo on the next line").append("[metrics]\nadress = \"127.0.0.1:1\"");
        Berthd d = s.launch(c);
        assertThat(d.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        String log = d.log();
        int line = lineOf(Files.readString(c.file()), "adress");
        assertThat(log).contains(c.file() + ":" + line + ":", "metrics.adress", "did you mean 'address'");
        assertThat(d.socket()).doesNotExist();
        assertThat(c.dir().resolve("root")).doesNotExist();
    }

    @Test
    void wrongValueTypeFailsStartupWithLine(Daemons.Session s) throws Exception {
        TestConfig c = s.config().set("disabled_plugins = \"io.berth.grpc.v1.cri\"");
        Berthd d = s.launch(c);
        assertThat(d.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(d.log()).contains(c.file() + ":" + lineOf(Files.readString(c.file()), "disabled_plugins") + ":", "disabled_plugins");
        assertThat(d.socket()).doesNotExist();
    }

    @Test
    void failingPluginIsListedAsErrorWhileTheDaemonServes(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("failing", "failing-plugin.jar")
                .append("[plugins.\"io.berth.test.v1.failing\"]\nmessage = \"from the itest config\"");
        Berthd d = s.start(c);
        Berthctl.Result ls = Berthctl.run("-r", "unix://" + d.socket(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output().lines()).first().asString().matches("TYPE +ID +STATUS +REASON");
        assertThat(ls.output()).containsPattern("io\\.berth\\.test\\.v1 +failing +error +failing on purpose: from the itest config");
        assertThat(ls.output()).containsPattern("io\\.berth\\.grpc\\.v1 +cri +ok");
        assertThat(ls.output()).containsPattern("io\\.berth\\.grpc\\.v1 +admin +ok");
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");

        Berthctl.Result json = Berthctl.run("-r", d.socket().toString(), "plugins", "ls", "-o", "json");
        assertThat(json.exitCode()).as(json.output()).isZero();
        assertThat(json.output()).contains("\"id\": \"failing\"", "\"status\": \"error\"", "\"origin\": \"" + c.pluginDir().resolve("failing") + "\"");
    }

    @Test
    void pluginConfigReachesThirdPartyPlugin(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("failing", "failing-plugin.jar").append("[plugins.\"io.berth.test.v1.failing\"]\nfail = false");
        Berthd d = s.start(c);
        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls", "--type", "io.berth.test");
        assertThat(ls.output()).containsPattern("io\\.berth\\.test\\.v1 +failing +ok");
        assertThat(ls.output()).doesNotContain("io.berth.grpc.v1");
    }

    @Test
    void requiredPluginFailingStopsStartupNamingItAndWhy(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("failing", "failing-plugin.jar").set("required_plugins = [\"io.berth.test.v1.failing\"]");
        Berthd d = s.launch(c);
        assertThat(d.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(d.log()).contains("required plugin io.berth.test.v1.failing is error: failing on purpose: test plugin");
        assertThat(d.socket()).doesNotExist();
    }

    @Test
    void disabledCriPluginIsShoutedAbout(Daemons.Session s) throws Exception {
        TestConfig c = s.config().set("disabled_plugins = [\"io.berth.grpc.v1.cri\"]");
        Berthd d = s.launch(c);
        // no CRI: wait for the admin API instead
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!d.log().contains("serving on") && System.nanoTime() < deadline && d.process().isAlive()) {
            Thread.sleep(50);
        }
        assertThat(d.log()).contains("CRI IS NOT SERVING", "disabled by disabled_plugins");
        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.output()).containsPattern("io\\.berth\\.grpc\\.v1 +cri +skipped +disabled by disabled_plugins");
    }

    @Test
    @Fault(value = "other local users, or host-network containers, reaching the CRI socket",
            expect = "socket 0660, its directory 0711; berthd listens on no abstract unix socket")
    void theCriSocketIsForOwnerAndGroupOnlyAndNoAbstractSocketIsOpen(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        d.runtime().version(VersionRequest.getDefaultInstance());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket(), LinkOption.NOFOLLOW_LINKS)))
                .as("socket mode").isEqualTo("rw-rw----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket().getParent())))
                .as("socket directory mode").isEqualTo("rwx--x--x");
        // abstract sockets ignore file permissions and every process in the network namespace (a hostNetwork
        // container too) can connect to them: berthd must own none
        Set<String> inodes = socketInodes(d.process().pid());
        assertThat(inodes).as("berthd's sockets").isNotEmpty();
        List<String> abstractOnes = Files.readAllLines(Path.of("/proc/net/unix")).stream().skip(1)
                .map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length >= 8 && inodes.contains(f[6]) && f[7].startsWith("@"))
                .map(f -> f[7]).toList();
        assertThat(abstractOnes).as("abstract unix sockets of berthd").isEmpty();
    }

    /** Inode numbers of the sockets among {@code pid}'s open files. */
    private static Set<String> socketInodes(long pid) throws java.io.IOException {
        Set<String> out = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        out.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    @Test
    void sigtermStopsCleanlyAndRemovesTheSocket(Daemons.Session s) throws Exception {
        Berthd d = s.start(s.config());
        assertThat(d.socket()).exists();
        assertThat(d.terminate()).isZero();
        assertThat(d.socket()).doesNotExist();
        assertThat(d.log()).contains("berthd stopped");
    }

    @Test
    void secondDaemonOnALiveSocketExitsWithAClearMessage(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Berthd first = s.start(c);
        Berthd second = s.launch(s.config("second").set("# same socket as the first").grpc("# see address override"),
                "--address", first.socket().toString());
        assertThat(second.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(second.log()).contains("another daemon is already serving on " + first.socket());
        assertThat(second.log()).as("no plugin of the second ran").doesNotContain("PluginRegistry", "RuncShimPlugin");
        // the first is unharmed
        assertThat(first.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
    }

    @Test
    void secondDaemonOnTheSameDirectoriesExitsBeforeItsPluginsStart(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Berthd first = s.start(c);
        TestConfig other = s.config("second");
        Berthd second = s.launch(other, "--root", c.dir().resolve("root").toString(),
                "--state", c.dir().resolve("state").toString());
        assertThat(second.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(second.log()).contains("another berthd (pid " + first.process().pid() + ") is using " + c.dir().resolve("root"));
        assertThat(second.log()).as("no plugin of the second ran").doesNotContain("PluginRegistry", "RuncShimPlugin");
        assertThat(other.dir().resolve("run/berth.sock")).as("it never listened").doesNotExist();
        assertThat(first.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
        // the lock goes with the process: a daemon started after the first ends takes the directories over
        assertThat(first.terminate()).isZero();
        Berthd third = s.start(other, "--root", c.dir().resolve("root").toString(), "--state", c.dir().resolve("state").toString());
        assertThat(third.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
    }

    @Test
    void staleSocketFileIsReplaced(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Files.createDirectories(c.dir().resolve("run"));
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(c.dir().resolve("run/berth.sock")));
        } // closed: the file stays, nobody listens
        assertThat(c.dir().resolve("run/berth.sock")).exists();
        Berthd d = s.start(c);
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
    }

    @Test
    void berthctlVersionAndInfoTalkCri(Daemons.Session s) throws Exception {
        TestConfig c = s.config();
        Path noNetworks = Files.createDirectories(c.dir().resolve("empty-net.d"));
        Berthd d = s.start(c.append("[plugins.\"io.berth.sandbox.controller.v1.podsandbox\"]\ncni_conf_dir = \""
                + noNetworks + "\"\n"));
        Berthctl.Result v = Berthctl.run("-r", "unix://" + d.socket(), "version");
        assertThat(v.exitCode()).as(v.output()).isZero();
        assertThat(v.output()).contains("RuntimeName:  berth", "RuntimeApiVersion:  v1");
        Berthctl.Result info = Berthctl.run("-r", "unix://" + d.socket(), "info");
        assertThat(info.exitCode()).as("not ready: no network config").isEqualTo(1);
        assertThat(info.output()).containsPattern("RuntimeReady +true").containsPattern("NetworkReady +false +NetworkPluginNotReady");
    }

    @Test
    void berthctlSaysWhenNoDaemonIsThere(Daemons.Session s) throws Exception {
        Berthctl.Result v = Berthctl.run("-r", s.config().dir().resolve("nothing.sock").toString(), "version");
        assertThat(v.exitCode()).isEqualTo(1);
        assertThat(v.output()).contains("cannot reach the runtime", "is berthd running?");
    }

    @Test
    void configCommandsPrintDefaultsAndCheckFiles(Daemons.Session s) throws Exception {
        Berthctl.Result def = Berthctl.run("config", "default", "--plugin-dir", s.config().pluginDir().toString());
        assertThat(def.exitCode()).as(def.output()).isZero();
        assertThat(def.output()).contains("root = \"/var/lib/berth\"", "[grpc]", "address = \"/run/berth/berth.sock\"",
                "[plugins.\"io.berth.grpc.v1.cri\"]");
        java.nio.file.Path good = s.config().dir().resolve("good.toml");
        Files.writeString(good, def.output());
        Berthctl.Result ok = Berthctl.run("config", "check", good.toString());
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        java.nio.file.Path bad = s.config().dir().resolve("bad.toml");
        Files.writeString(bad, "version = 1\n[grpc]\nadress = \"/x\"\n");
        Berthctl.Result ko = Berthctl.run("config", "check", bad.toString());
        assertThat(ko.exitCode()).isEqualTo(1);
        assertThat(ko.output()).contains(bad + ":3:", "did you mean 'address'");
    }

    @Test
    void berthdOwnCommandLine(Daemons.Session s) throws Exception {
        Berthctl.Result help = Berthctl.tool("berthd", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.output()).contains("Usage: berthd", "config check");
        Berthctl.Result wrong = Berthctl.tool("berthd", "--bogus");
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.output()).contains("unknown argument '--bogus'");
        Berthctl.Result dump = Berthctl.tool("berthd", "config", "dump", "-c", s.config().write().toString());
        assertThat(dump.exitCode()).as(dump.output()).isZero();
        assertThat(dump.output()).contains("address = \"" + s.config().dir());
        java.nio.file.Path bad = s.config().dir().resolve("bad.toml");
        Files.writeString(bad, "version = 1\nroot = 7\n");
        Berthctl.Result ko = Berthctl.tool("berthd", "config", "check", bad.toString());
        assertThat(ko.exitCode()).isEqualTo(1);
        assertThat(ko.output()).contains(bad + ":2:1: root: expected a string, got the number 7");
    }

    private static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle + " not in config");
    }
}
