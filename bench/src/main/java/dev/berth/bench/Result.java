package dev.berth.bench;

/**
 * One row of the results table: berth's sample, the peer's (null without {@code --peer}) and the floor's (null
 * where there is none), all in {@code unit}.
 *
 * @param better which direction of the unit is better
 * @param target the figure an issue asks of berth, e.g. "<= 600", or empty
 */
record Result(String workload, String unit, Better better, Stats berth, Stats peer, Stats floor, String target) {
    enum Better {
        LOWER, HIGHER;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** berth p50 / peer p50, or NaN without a peer. */
    double ratio() {
        return peer == null || peer.p50() == 0 ? Double.NaN : berth.p50() / peer.p50();
    }

    /** Whether berth's p50 meets the target (true when there is none). */
    boolean met() {
        if (target.isEmpty()) {
            return true;
        }
        double limit = Double.parseDouble(target.replaceAll("[^0-9.]", ""));
        return target.startsWith("<=") ? berth.p50() <= limit : berth.p50() >= limit;
    }

    /** "berth", the peer's name, or "even" (within 5 %) by p50; empty without a peer. */
    String ahead(String peerName) {
        double r = ratio();
        if (Double.isNaN(r)) {
            return "";
        }
        if (Math.abs(r - 1) < 0.05) {
            return "even";
        }
        boolean berthAhead = better == Better.LOWER ? r < 1 : r > 1;
        return berthAhead ? "berth" : peerName;
    }
}
