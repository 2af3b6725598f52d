package io.hvx.runtime.node;

import io.hvx.config.serialization.ClusterMessage;

/**
 * A node's answer about itself, produced on that node at the time of asking: live attributes plus
 * facts only the node's own process knows.
 */
public record NodeInfo(NodeAttributes attributes, long pid, long uptimeMillis, String jvm, String answeredBy)
    implements ClusterMessage {}
