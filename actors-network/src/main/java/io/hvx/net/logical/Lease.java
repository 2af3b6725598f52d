package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;

/**
 * An address a node's DHCP server gave a MAC in a network, replicated so that every node answers alike;
 * it runs until {@code expiresAt} (epoch milliseconds; {@link #NEVER} for a VM's fixed address).
 */
public record Lease(int networkId, String mac, String address, String hostname, String node, long expiresAt)
    implements ClusterMessage {
  public static final long NEVER = Long.MAX_VALUE;

  /** The key of this lease in the replicated lease map. */
  public String key() {
    return networkId + "/" + mac;
  }

  /** Whether the lease has ended at {@code nowMillis} (epoch) without renewal, or was released. */
  public boolean endedAt(long nowMillis) {
    return expiresAt != NEVER && expiresAt <= nowMillis;
  }
}
