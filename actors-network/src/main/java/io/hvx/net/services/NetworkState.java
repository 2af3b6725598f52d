package io.hvx.net.services;

import io.hvx.net.frame.MacAddress;
import java.nio.charset.StandardCharsets;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;

/** What the services of one network learn at run time on the switch thread: addresses and leases. */
final class NetworkState {
  static final long UNKNOWN = -1L;
  private static final long NO_LEASE = Long.MIN_VALUE;
  private static final long SECOND = 1_000_000_000L;
  /** ARP requests the router may broadcast per second in one network (scans must not become storms). */
  private static final long ARP_REQUESTS_PER_SECOND = 100;

  NetworkTable table;
  final Long2LongHashMap arpCache = new Long2LongHashMap(256, 0.65f, UNKNOWN);
  final Long2LongHashMap arpLearnedAt = new Long2LongHashMap(256, 0.65f, Long.MIN_VALUE);
  final Long2LongHashMap leaseByMac = new Long2LongHashMap(256, 0.65f, 0);
  final Long2LongHashMap leaseByAddress = new Long2LongHashMap(256, 0.65f, UNKNOWN);
  /** When each MAC's lease ends (System.nanoTime), or {@link LeaseListener#FOREVER}; NO_LEASE when it has none. */
  final Long2LongHashMap leaseExpiry = new Long2LongHashMap(256, 0.65f, NO_LEASE);
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
    // A group MAC holds a declined address: whoever uses it must be found by ARP.
    if (mac != UNKNOWN && !MacAddress.isGroup(mac)) {
      return mac;
    }
    for (int i = 0; i < table.reservedAddress.length; i++) {
      if (table.reservedAddress[i] == address) {
        return table.reservedMac[i];
      }
    }
    return UNKNOWN;
  }

  /** Records that {@code mac} holds {@code address} until {@code expiresAt} (nanoTime, or FOREVER). */
  void recordLease(long mac, int address, String hostname, long expiresAt) {
    int previous = (int) leaseByMac.get(mac);
    if (previous != 0 && previous != address) {
      leaseByAddress.remove(previous & 0xFFFF_FFFFL);
      leaseNames.remove(previous);
    }
    long holder = leaseByAddress.get(address & 0xFFFF_FFFFL);
    if (holder != UNKNOWN && holder != mac) {
      // The address went back to the pool when its lease expired; its old holder must not be offered it again.
      leaseByMac.remove(holder);
      leaseExpiry.remove(holder);
      leaseNames.remove(address);
    }
    leaseByMac.put(mac, address & 0xFFFF_FFFFL);
    leaseByAddress.put(address & 0xFFFF_FFFFL, mac);
    leaseExpiry.put(mac, expiresAt);
    if (hostname != null && !hostname.isEmpty()) {
      leaseNames.put(address, hostname.toLowerCase().getBytes(StandardCharsets.US_ASCII));
    }
  }

  void recordLease(long mac, int address, String hostname) {
    recordLease(mac, address, hostname, LeaseListener.FOREVER);
  }

  /** Whether the lease of {@code mac} (if any) still runs at {@code now}. */
  boolean isLive(long mac, long now) {
    long expiresAt = leaseExpiry.get(mac);
    return expiresAt != NO_LEASE && (expiresAt == LeaseListener.FOREVER || expiresAt - now > 0);
  }

  /** Forgets the lease of {@code mac} on {@code address}: its address returns to the pool. */
  void releaseLease(long mac, int address) {
    if ((int) leaseByMac.get(mac) != address) {
      return;
    }
    leaseByMac.remove(mac);
    leaseExpiry.remove(mac);
    leaseByAddress.remove(address & 0xFFFF_FFFFL);
    leaseNames.remove(address);
  }

  /**
   * The address whose lease carries the host name {@code name[0..length)} (lower case), or 0. Two leases carry
   * one name when a VM is deleted and created again under its name (a new id, so a new MAC) while the old
   * lease runs on: the lease that ends last, the newest, wins, on every node whatever order the leases
   * were replicated in (equal ends: the lower address).
   */
  int leaseNamed(byte[] name, int length) {
    int best = 0;
    long bestEnd = NO_LEASE;
    // Agrona's key iterator is reused by the map: no allocation per query.
    var keys = leaseNames.keySet().iterator();
    while (keys.hasNext()) {
      int address = keys.nextInt();
      if (!sameName(leaseNames.get(address), name, length)) {
        continue;
      }
      long end = leaseExpiry.get(leaseByAddress.get(address & 0xFFFF_FFFFL));
      if (best == 0 || endsAfter(end, bestEnd)
          || end == bestEnd && Integer.compareUnsigned(address, best) < 0) {
        best = address;
        bestEnd = end;
      }
    }
    return best;
  }

  /** The host name the lease on {@code address} carries (lower case), or null. */
  byte[] leaseNameAt(int address) {
    return leaseNames.get(address);
  }

  /** Whether {@code candidate} is exactly the first {@code length} bytes of {@code name} (not empty). */
  static boolean sameName(byte[] candidate, byte[] name, int length) {
    if (candidate.length != length || length == 0) {
      return false;
    }
    for (int k = 0; k < length; k++) {
      if (candidate[k] != name[k]) {
        return false;
      }
    }
    return true;
  }

  /** Whether a lease ending at {@code end} (nanoTime, FOREVER or NO_LEASE) outlasts one ending at {@code other}. */
  private static boolean endsAfter(long end, long other) {
    if (end == other || end == NO_LEASE || other == LeaseListener.FOREVER) {
      return false;
    }
    return other == NO_LEASE || end == LeaseListener.FOREVER || end - other > 0;
  }

  boolean takeArpCredit(long now) {
    if (now - arpWindowStart >= SECOND) {
      arpWindowStart = now;
      arpRequestsInWindow = 0;
    }
    return ++arpRequestsInWindow <= ARP_REQUESTS_PER_SECOND;
  }
}
