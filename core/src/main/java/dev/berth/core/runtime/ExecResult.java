package dev.berth.core.runtime;

/**
 * What a synchronous exec produced. Output beyond the cap is dropped and flagged.
 *
 * @param truncated whether either stream was cut at the cap
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, boolean truncated) {
}
