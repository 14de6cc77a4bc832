package dev.berth.shim.runc.spec;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the running kernel and the daemon's own credentials allow, read once when the shim starts so that a spec does
 * not ask the host twice and tests can pretend to be another host.
 *
 * @param apparmorEnabled whether AppArmor is active (its securityfs directory exists)
 * @param lastCapability  the highest capability number the kernel knows
 * @param maxOpenFiles    the highest RLIMIT_NOFILE runc can give a container: without CAP_SYS_RESOURCE (nested
 *                        containers, some VMs) nobody may raise a hard limit above the daemon's own, and runc then
 *                        fails with "error setting rlimit type 7: operation not permitted"
 */
record HostKernel(boolean apparmorEnabled, int lastCapability, long maxOpenFiles) {
    static final long WANTED_OPEN_FILES = 1048576;
    private static final int CAP_SYS_RESOURCE = 24;

    HostKernel(boolean apparmorEnabled, int lastCapability) {
        this(apparmorEnabled, lastCapability, WANTED_OPEN_FILES);
    }

    static HostKernel probe() {
        boolean apparmor = Files.isDirectory(Path.of("/sys/kernel/security/apparmor"));
        int lastCap = Capabilities.highestKnown();
        try {
            lastCap = Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        } catch (IOException | NumberFormatException e) {
            // an old or unusual kernel: assume it knows every capability we do
        }
        long maxOpenFiles = hasSysResource() ? WANTED_OPEN_FILES : Math.min(WANTED_OPEN_FILES, ownOpenFilesHard());
        return new HostKernel(apparmor, lastCap, maxOpenFiles);
    }

    private static boolean hasSysResource() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring("CapEff:".length()).trim(), 16).testBit(CAP_SYS_RESOURCE);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: assume the usual case of a root daemon on a plain host
        }
        return true;
    }

    private static long ownOpenFilesHard() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    List<String> fields = List.of(line.substring("Max open files".length()).trim().split("\\s+"));
                    return fields.get(1).equals("unlimited") ? WANTED_OPEN_FILES : Long.parseLong(fields.get(1));
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return WANTED_OPEN_FILES;
    }
}
