package io.hvx.runtime.node;

/**
 * One cluster member as this node sees it: membership status and reachability from the cluster, and
 * the attributes it published (null until they have replicated here).
 */
public record NodeView(String id, String address, String status, boolean reachable, boolean leader, NodeAttributes attributes) {}
