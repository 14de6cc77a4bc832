package dev.berth.cri;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Sandbox and container ids: 32 random bytes in hex, like containerd's; also safe as file and cgroup names. */
public final class Ids {
    private static final SecureRandom RNG = new SecureRandom();

    private Ids() {
    }

    public static String random() {
        byte[] b = new byte[32];
        RNG.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
