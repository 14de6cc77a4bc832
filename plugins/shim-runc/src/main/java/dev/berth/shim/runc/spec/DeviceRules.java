package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.runtime.DeviceMapping;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides which devices a container may use: the device cgroup denies everything but the harmless pseudo devices,
 * the pty pair and the host devices the pod mapped in (which runc also creates as nodes in the container's /dev).
 */
final class DeviceRules {
    private static final String ALL_ACCESS = "rwm";
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;

    /** A host device node, as stat(2) reports it. */
    record HostDevice(String type, long major, long minor, int fileMode) {
    }

    /** The nodes to create in the container's /dev. */
    List<Oci.Device> nodes(List<DeviceMapping> mappings) {
        List<Oci.Device> nodes = new ArrayList<>();
        for (int i = 0; i < mappings.size(); i++) {
            DeviceMapping mapping = mappings.get(i);
            HostDevice dev = stat(mapping, i);
            nodes.add(new Oci.Device(mapping.containerPath(), dev.type(), dev.major(), dev.minor(), dev.fileMode(),
                    0L, 0L));
        }
        return nodes;
    }

    /** The device cgroup rules; privileged containers may use every host device. */
    List<Oci.DeviceRule> cgroupRules(boolean privileged, List<DeviceMapping> mappings) {
        List<Oci.DeviceRule> rules = new ArrayList<>();
        if (privileged) {
            rules.add(new Oci.DeviceRule(true, null, null, null, ALL_ACCESS));
            return rules;
        }
        rules.add(new Oci.DeviceRule(false, null, null, null, ALL_ACCESS));
        // mknod of any node is harmless while the cgroup forbids opening it, and some images' setup scripts do it
        rules.add(new Oci.DeviceRule(true, "c", null, null, "m"));
        rules.add(new Oci.DeviceRule(true, "b", null, null, "m"));
        rules.add(allow(1, 3L));   // null
        rules.add(allow(1, 5L));   // zero
        rules.add(allow(1, 7L));   // full
        rules.add(allow(1, 8L));   // random
        rules.add(allow(1, 9L));   // urandom
        rules.add(allow(5, 0L));   // tty
        rules.add(allow(5, 1L));   // console
        rules.add(allow(5, 2L));   // ptmx
        rules.add(allow(136, null)); // pts/*
        for (int i = 0; i < mappings.size(); i++) {
            DeviceMapping mapping = mappings.get(i);
            HostDevice dev = stat(mapping, i);
            rules.add(new Oci.DeviceRule(true, dev.type(), dev.major(), dev.minor(), permissions(mapping, i)));
        }
        return rules;
    }

    private static Oci.DeviceRule allow(long major, Long minor) {
        return new Oci.DeviceRule(true, "c", major, minor, ALL_ACCESS);
    }

    private static String permissions(DeviceMapping mapping, int index) {
        String p = mapping.permissions() == null || mapping.permissions().isEmpty() ? ALL_ACCESS
                : mapping.permissions();
        if (!p.chars().allMatch(c -> c == 'r' || c == 'w' || c == 'm')) {
            throw BerthException.invalidArgument("devices[%d].permissions \"%s\" may only contain r, w and m",
                    index, p);
        }
        return p;
    }

    private static HostDevice stat(DeviceMapping mapping, int index) {
        if (mapping.containerPath() == null || !mapping.containerPath().startsWith("/")) {
            throw BerthException.invalidArgument("devices[%d].container_path %s is not absolute", index,
                    mapping.containerPath());
        }
        String hostPath = mapping.hostPath() == null ? "" : mapping.hostPath();
        if (!hostPath.startsWith("/")) {
            throw BerthException.invalidArgument("devices[%d].host_path \"%s\" is not absolute", index, hostPath);
        }
        int mode;
        long rdev;
        try {
            Path p = Path.of(hostPath);
            mode = (Integer) Files.getAttribute(p, "unix:mode");
            rdev = (Long) Files.getAttribute(p, "unix:rdev");
        } catch (IOException | UnsupportedOperationException e) {
            throw BerthException.invalidArgument("devices[%d].host_path %s does not exist", index, hostPath);
        }
        String type = switch (mode & S_IFMT) {
            case S_IFCHR -> "c";
            case S_IFBLK -> "b";
            default -> throw BerthException.invalidArgument("devices[%d].host_path %s is not a device", index,
                    hostPath);
        };
        // the glibc encoding of dev_t: 12 bits of major and 20 of minor, split around the low byte
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
        return new HostDevice(type, major, minor, mode & 07777);
    }
}
