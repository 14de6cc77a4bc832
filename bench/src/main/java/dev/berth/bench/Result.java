package dev.berth.bench;

/**
 * One row of the results table.
 *
 * @param target the figure the issue asks for, e.g. "<= 600 ms", or empty
 */
record Result(String workload, String unit, Stats berth, String target, boolean met) {
}
