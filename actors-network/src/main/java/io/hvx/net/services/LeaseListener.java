package io.hvx.net.services;

/** Told on the switch thread when this node's DHCP server acknowledges a lease (rare: not per frame). */
@FunctionalInterface
public interface LeaseListener {
  void leased(int networkId, long mac, int address, String hostname);
}
