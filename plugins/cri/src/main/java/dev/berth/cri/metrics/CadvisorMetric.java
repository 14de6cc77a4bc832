package dev.berth.cri.metrics;

import dev.berth.api.cri.v1.Metric;
import dev.berth.api.cri.v1.MetricDescriptor;
import dev.berth.api.cri.v1.MetricType;
import dev.berth.api.cri.v1.UInt64Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Every metric ListPodSandboxMetrics reports, named, typed and labelled as cAdvisor exports it, so that the kubelet's
 * {@code /metrics/cadvisor} reads the same whether it gets its numbers from cAdvisor or from the runtime. The
 * descriptors and the metrics are built from the same constant, so a metric can never lack its descriptor or carry
 * a different number of labels.
 *
 * <p>Every metric starts with the labels of {@link MetricLabels#KEYS}; some add their own (cAdvisor's {@code cpu},
 * {@code failure_type}/{@code scope}, {@code device}, {@code interface}). Only what the cgroup, the writable layer and
 * the pod's network namespace tell truthfully is here: no cache, swap or failcnt (the shim does not read them), no
 * filesystem capacity or inode metrics (cAdvisor's are of the whole filesystem, not the container).
 */
enum CadvisorMetric {
    /** Whole seconds: the CRI carries unsigned integers only (the nanoseconds are in ContainerStats). */
    CPU_USAGE("container_cpu_usage_seconds_total", MetricType.COUNTER,
            "Cumulative cpu time consumed in seconds.", "cpu"),
    MEMORY_USAGE("container_memory_usage_bytes", MetricType.GAUGE,
            "Current memory usage in bytes, including all memory regardless of when it was accessed."),
    MEMORY_WORKING_SET("container_memory_working_set_bytes", MetricType.GAUGE, "Current working set in bytes."),
    MEMORY_RSS("container_memory_rss", MetricType.GAUGE, "Size of RSS in bytes."),
    MEMORY_FAILURES("container_memory_failures_total", MetricType.COUNTER,
            "Cumulative count of memory allocation failures.", "failure_type", "scope"),
    /** The container's writable layer; {@code device} is where that layer lives. */
    FS_USAGE("container_fs_usage_bytes", MetricType.GAUGE,
            "Number of bytes that are consumed by the container on this filesystem.", "device"),
    NETWORK_RECEIVE_BYTES("container_network_receive_bytes_total", MetricType.COUNTER,
            "Cumulative count of bytes received.", "interface"),
    NETWORK_RECEIVE_PACKETS("container_network_receive_packets_total", MetricType.COUNTER,
            "Cumulative count of packets received.", "interface"),
    NETWORK_RECEIVE_PACKETS_DROPPED("container_network_receive_packets_dropped_total", MetricType.COUNTER,
            "Cumulative count of packets dropped while receiving.", "interface"),
    NETWORK_RECEIVE_ERRORS("container_network_receive_errors_total", MetricType.COUNTER,
            "Cumulative count of errors encountered while receiving.", "interface"),
    NETWORK_TRANSMIT_BYTES("container_network_transmit_bytes_total", MetricType.COUNTER,
            "Cumulative count of bytes transmitted.", "interface"),
    NETWORK_TRANSMIT_PACKETS("container_network_transmit_packets_total", MetricType.COUNTER,
            "Cumulative count of packets transmitted.", "interface"),
    NETWORK_TRANSMIT_PACKETS_DROPPED("container_network_transmit_packets_dropped_total", MetricType.COUNTER,
            "Cumulative count of packets dropped while transmitting.", "interface"),
    NETWORK_TRANSMIT_ERRORS("container_network_transmit_errors_total", MetricType.COUNTER,
            "Cumulative count of errors encountered while transmitting.", "interface");

    private final String metricName;
    private final MetricType type;
    private final String help;
    private final List<String> extraKeys;

    CadvisorMetric(String metricName, MetricType type, String help, String... extraKeys) {
        this.metricName = metricName;
        this.type = type;
        this.help = help;
        this.extraKeys = List.of(extraKeys);
    }

    /** What ListMetricDescriptors says about this metric. */
    MetricDescriptor descriptor() {
        List<String> keys = new ArrayList<>(MetricLabels.KEYS);
        keys.addAll(extraKeys);
        return MetricDescriptor.newBuilder().setName(metricName).setHelp(help).addAllLabelKeys(keys).build();
    }

    /**
     * One sample.
     *
     * @param at    when it was read, in nanoseconds since the epoch
     * @param extra values of this metric's own labels, in the order of its descriptor
     * @throws IllegalArgumentException when {@code extra} does not give exactly this metric's own labels
     */
    Metric sample(MetricLabels labels, long at, long value, String... extra) {
        if (extra.length != extraKeys.size()) {
            throw new IllegalArgumentException(metricName + " takes the labels " + extraKeys + ", got "
                    + List.of(extra));
        }
        return Metric.newBuilder().setName(metricName).setTimestamp(at).setMetricType(type)
                .addAllLabelValues(labels.values()).addAllLabelValues(List.of(extra))
                .setValue(UInt64Value.newBuilder().setValue(value)).build();
    }
}
