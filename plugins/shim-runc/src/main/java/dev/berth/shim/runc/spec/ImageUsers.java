package dev.berth.shim.runc.spec;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.core.runtime.ContainerSpec;
import dev.berth.core.runtime.SecurityOptions;
import dev.berth.core.runtime.SecurityOptions.GroupsPolicy;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the user a container runs as against the image's own /etc/passwd and /etc/group: names in the image or
 * security context mean what the image says they mean, never what the host says.
 */
final class ImageUsers {
    private record PasswdEntry(String name, long uid, long gid) {
    }

    private record GroupEntry(String name, long gid, List<String> members) {
    }

    private final RootfsFiles files;

    ImageUsers(RootfsFiles files) {
        this.files = files;
    }

    Oci.User resolve(ContainerSpec spec) {
        try {
            return resolveOrThrow(spec);
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "reading the image's /etc/passwd or /etc/group: " + e, e);
        }
    }

    private Oci.User resolveOrThrow(ContainerSpec spec) throws IOException {
        SecurityOptions sec = spec.security();
        String groupPart = "";
        Optional<PasswdEntry> entry;
        long uid;
        if (sec.runAsUser() != null) {
            uid = sec.runAsUser();
            entry = passwdByUid(uid);
        } else if (!sec.runAsUsername().isEmpty()) {
            entry = Optional.of(passwdByName(sec.runAsUsername(), "securityContext.runAsUsername"));
            uid = entry.get().uid();
        } else {
            String image = spec.image().user();
            int colon = image.indexOf(':');
            String userPart = colon < 0 ? image : image.substring(0, colon);
            groupPart = colon < 0 ? "" : image.substring(colon + 1);
            if (userPart.isEmpty()) {
                userPart = "0";
            }
            if (isNumber(userPart)) {
                uid = Long.parseLong(userPart);
                entry = passwdByUid(uid);
            } else {
                entry = Optional.of(passwdByName(userPart, "image config User"));
                uid = entry.get().uid();
            }
        }

        long gid;
        if (sec.runAsGroup() != null) {
            gid = sec.runAsGroup();
        } else if (!groupPart.isEmpty()) {
            gid = isNumber(groupPart) ? Long.parseLong(groupPart) : groupByName(groupPart).gid();
        } else {
            gid = entry.map(PasswdEntry::gid).orElse(0L);
        }

        Set<Long> gids = new LinkedHashSet<>();
        gids.add(gid);
        if (sec.groupsPolicy() == GroupsPolicy.MERGE && entry.isPresent()) {
            String name = entry.get().name();
            for (GroupEntry group : groups()) {
                if (group.members().contains(name)) {
                    gids.add(group.gid());
                }
            }
        }
        gids.addAll(sec.supplementalGroups());
        return new Oci.User(uid, gid, List.copyOf(gids));
    }

    private PasswdEntry passwdByName(String name, String field) throws IOException {
        return passwd().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> BerthException.invalidArgument(
                        "user \"%s\" (%s) is not in the image's /etc/passwd", name, field));
    }

    private Optional<PasswdEntry> passwdByUid(long uid) throws IOException {
        return passwd().stream().filter(e -> e.uid() == uid).findFirst();
    }

    private GroupEntry groupByName(String name) throws IOException {
        return groups().stream().filter(g -> g.name().equals(name)).findFirst()
                .orElseThrow(() -> BerthException.invalidArgument(
                        "group \"%s\" (image config User) is not in the image's /etc/group", name));
    }

    private List<PasswdEntry> passwd() throws IOException {
        return files.readLines("/etc/passwd").orElse(List.of()).stream()
                .map(line -> line.split(":", -1))
                .filter(f -> f.length >= 4 && isNumber(f[2]) && isNumber(f[3]))
                .map(f -> new PasswdEntry(f[0], Long.parseLong(f[2]), Long.parseLong(f[3])))
                .toList();
    }

    private List<GroupEntry> groups() throws IOException {
        return files.readLines("/etc/group").orElse(List.of()).stream()
                .map(line -> line.split(":", -1))
                .filter(f -> f.length >= 3 && isNumber(f[2]))
                .map(f -> new GroupEntry(f[0], Long.parseLong(f[2]),
                        f.length < 4 || f[3].isBlank() ? List.of()
                                : Arrays.stream(f[3].split(",")).map(String::trim).toList()))
                .toList();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(Character::isDigit);
    }
}
