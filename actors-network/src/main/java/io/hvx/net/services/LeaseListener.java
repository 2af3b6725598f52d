package io.hvx.net.services;

/** Told on the switch thread when this node's DHCP server grants, renews or releases a lease (rare: not per frame). */
@FunctionalInterface
public interface LeaseListener {
  /** A lease whose remaining time is returned by {@code remainingNanos}: {@link #FOREVER}, or 0 when released. */
  void leased(int networkId, long mac, int address, String hostname, long remainingNanos);

  /** The remaining time of a lease that does not expire (an address a VM definition fixes). */
  long FOREVER = Long.MAX_VALUE;
}
