package io.hvx.runtime.node;

import io.hvx.config.serialization.ClusterMessage;
import java.util.Map;

/** What a node publishes about itself to the whole cluster; refreshed every {@code hvx.node.attributes-refresh}. */
public record NodeAttributes(
    String id,
    String address,
    String cloud,
    String region,
    String zone,
    String publicAddress,
    String httpUrl,
    int cpus,
    long memoryBytes,
    long freeDiskBytes,
    String version,
    long startedAtMillis,
    Map<String, String> labels)
    implements ClusterMessage {}
