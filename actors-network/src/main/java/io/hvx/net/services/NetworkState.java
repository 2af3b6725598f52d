package io.hvx.net.services;

import java.nio.charset.StandardCharsets;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

/** What the services of one network learn at run time on the switch thread: addresses and leases. */
final class NetworkState {
  static final long UNKNOWN = -1L;
  private static final long SECOND = 1_000_000_000L;
  /** ARP requests the router may broadcast per second in one network (scans must not become storms). */
  private static final long ARP_REQUESTS_PER_SECOND = 100;

  NetworkTable table;
  final Long2LongHashMap arpCache = new Long2LongHashMap(256, 0.65f, UNKNOWN);
  final Long2LongHashMap arpLearnedAt = new Long2LongHashMap(256, 0.65f, Long.MIN_VALUE);
  final Long2LongHashMap leaseByMac = new Long2LongHashMap(256, 0.65f, 0);
  final Long2LongHashMap leaseByAddress = new Long2LongHashMap(256, 0.65f, UNKNOWN);
  final Int2ObjectHashMap<byte[]> leaseNames = new Int2ObjectHashMap<>();
  int lastArpTarget;
  long lastArpAt = Long.MIN_VALUE / 2;
  private long arpWindowStart = Long.MIN_VALUE / 2;
  private long arpRequestsInWindow;

  NetworkState(NetworkTable table) {
    this.table = table;
  }

  void learn(int address, long mac, long now) {
    arpCache.put(address & 0xFFFF_FFFFL, mac);
    arpLearnedAt.put(address & 0xFFFF_FFFFL, now);
  }

  /** True when {@code address} was learned by ARP longer than {@code age} ago (its host may have a new MAC). */
  boolean isStale(int address, long now, long age) {
    long learnedAt = arpLearnedAt.get(address & 0xFFFF_FFFFL);
    return learnedAt != Long.MIN_VALUE && now - learnedAt > age;
  }

  /** The MAC of {@code address}: learned by ARP, leased or reserved; {@link #UNKNOWN} otherwise. */
  long resolve(int address) {
    long key = address & 0xFFFF_FFFFL;
    long mac = arpCache.get(key);
    if (mac != UNKNOWN) {
      return mac;
    }
    mac = leaseByAddress.get(key);
    if (mac != UNKNOWN) {
      return mac;
    }
    for (int i = 0; i < table.reservedAddress.length; i++) {
      if (table.reservedAddress[i] == address) {
        return table.reservedMac[i];
      }
    }
    return UNKNOWN;
  }

  void recordLease(long mac, int address, String hostname) {
    int previous = (int) leaseByMac.get(mac);
    if (previous != 0 && previous != address) {
      leaseByAddress.remove(previous & 0xFFFF_FFFFL);
      leaseNames.remove(previous);
    }
    leaseByMac.put(mac, address & 0xFFFF_FFFFL);
    leaseByAddress.put(address & 0xFFFF_FFFFL, mac);
    if (hostname != null && !hostname.isEmpty()) {
      leaseNames.put(address, hostname.toLowerCase().getBytes(StandardCharsets.US_ASCII));
    }
  }

  boolean takeArpCredit(long now) {
    if (now - arpWindowStart >= SECOND) {
      arpWindowStart = now;
      arpRequestsInWindow = 0;
    }
    return ++arpRequestsInWindow <= ARP_REQUESTS_PER_SECOND;
  }
}
