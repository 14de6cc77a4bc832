package dev.berth.cli.pull;

import dev.berth.api.admin.v1.Ingest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A pull's progress as seen from the content store's ingests, sampled over time: every download seen so far, its
 * bytes and its size. A download that leaves the ingest list has been committed (or aborted: the pull's own answer
 * tells which), so it then counts as complete. Ingests that existed before the pull are left out until they move
 * (then this pull resumed them), so a stale leftover of some other pull does not hold the bar below 100%.
 */
public final class IngestProgress {
    /** One download: bytes so far of its size ({@code total} -1 while unknown). */
    public record Download(String ref, long offset, long total, boolean complete) {
        long done() {
            return complete && total >= 0 ? total : offset;
        }

        long size() {
            return total >= 0 ? total : offset;
        }
    }

    private final Map<String, Download> downloads = new LinkedHashMap<>();
    private final Map<String, Long> before;
    private final long startedNanos;
    private long lastNanos;

    /** Starts watching at {@code startedNanos}, with the ingests listed just before the pull was sent. */
    public IngestProgress(List<Ingest> existing, long startedNanos) {
        this.before = existing.stream().collect(Collectors.toMap(Ingest::getRef, Ingest::getOffset, (a, b) -> a));
        this.startedNanos = startedNanos;
        this.lastNanos = startedNanos;
    }

    /** Takes one sample of the ingest list, read at {@code nanos}. */
    public void sample(List<Ingest> ingests, long nanos) {
        Set<String> live = ingests.stream().map(Ingest::getRef).collect(Collectors.toSet());
        downloads.replaceAll((ref, d) -> live.contains(ref) || d.complete() ? d
                : new Download(ref, d.offset(), d.total(), true));
        for (Ingest i : ingests) {
            if (!downloads.containsKey(i.getRef()) && before.getOrDefault(i.getRef(), -1L) == i.getOffset()) {
                continue; // untouched since before the pull
            }
            Download seen = downloads.get(i.getRef());
            long offset = seen == null ? i.getOffset() : Math.max(seen.offset(), i.getOffset());
            downloads.put(i.getRef(), new Download(i.getRef(), offset, i.getTotal(), false));
        }
        lastNanos = nanos;
    }

    /** The pull has returned: whatever it was downloading is in the store now. */
    public void finish(long nanos) {
        downloads.replaceAll((ref, d) -> new Download(ref, d.offset(), d.total(), true));
        lastNanos = nanos;
    }

    public List<Download> downloads() {
        return List.copyOf(downloads.values());
    }

    public long done() {
        return downloads.values().stream().mapToLong(Download::done).sum();
    }

    public long total() {
        return downloads.values().stream().mapToLong(Download::size).sum();
    }

    /** Percent of the known bytes; 100 once everything seen is complete (also when nothing had to be fetched). */
    public int percent() {
        long total = total();
        if (downloads.values().stream().allMatch(Download::complete)) {
            return downloads.isEmpty() || total == done() ? 100 : (int) (100 * done() / total);
        }
        return total == 0 ? 0 : (int) Math.min(99, 100 * done() / total);
    }

    /** Bytes per second fetched since the pull started (bytes of resumed ingests that were already there left out). */
    public double rate() {
        long nanos = lastNanos - startedNanos;
        long resumed = downloads.keySet().stream().mapToLong(ref -> before.getOrDefault(ref, 0L)).sum();
        return nanos <= 0 ? 0 : Math.max(0, done() - resumed) * 1e9 / nanos;
    }

    public double elapsedSeconds() {
        return (lastNanos - startedNanos) / 1e9;
    }
}
