package dev.berth.config;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean": the valid key closest to a mistyped one, when one is close enough to be a likely typo. */
final class Suggest {
    private Suggest() {
    }

    static Optional<String> nearest(String typo, Collection<String> valid) {
        int limit = Math.max(2, typo.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String v : valid) {
            int d = distance(typo.toLowerCase(java.util.Locale.ROOT), v.toLowerCase(java.util.Locale.ROOT));
            if (!v.equals(Schema.TEMPLATE) && d <= limit && d < bestDistance) {
                best = v;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one edit each. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
