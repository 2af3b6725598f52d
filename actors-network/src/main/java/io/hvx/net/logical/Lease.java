package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;

/** An address a node's DHCP server gave a MAC in a network, replicated so that every node answers alike. */
public record Lease(int networkId, String mac, String address, String hostname, String node) implements ClusterMessage {
  /** The key of this lease in the replicated lease map. */
  public String key() {
    return networkId + "/" + mac;
  }
}
