package dev.berth.cri.metrics;

/** One network interface's cumulative counters, as the kernel keeps them. */
record InterfaceCounters(String name, long rxBytes, long rxPackets, long rxErrors, long rxDropped, long txBytes,
                         long txPackets, long txErrors, long txDropped) {
}
