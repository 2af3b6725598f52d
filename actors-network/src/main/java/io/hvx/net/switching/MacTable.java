package io.hvx.net.switching;

import java.util.Arrays;

/**
 * Fixed-capacity map from (logical network, MAC) to the port it was last seen on, with aging; open
 * addressing over primitive arrays so that learning and lookup never allocate.
 *
 * <p>Entries are never removed from a probe chain (that would break later lookups); an aged or flushed
 * entry stays as a tombstone that learning may reuse.
 */
public final class MacTable {
  private static final long EMPTY = -1L;
  private static final long EXPIRED = Long.MIN_VALUE;

  private final int mask;
  private final long ageNanos;
  private final long[] macs;
  private final int[] networks;
  private final int[] ports;
  private final long[] lastSeen;

  public MacTable(int capacity, long ageNanos) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.mask = capacity - 1;
    this.ageNanos = ageNanos;
    this.macs = new long[capacity];
    this.networks = new int[capacity];
    this.ports = new int[capacity];
    this.lastSeen = new long[capacity];
    Arrays.fill(macs, EMPTY);
  }

  /**
   * Records that {@code mac} of {@code network} was seen on {@code port} at {@code now}.
   *
   * @return false when the table is full of live entries and the MAC was not learned
   */
  public boolean learn(int network, long mac, int port, long now) {
    int reusable = -1;
    int index = slot(network, mac);
    for (int probes = 0; probes <= mask; probes++, index = (index + 1) & mask) {
      long stored = macs[index];
      if (stored == EMPTY) {
        int target = reusable >= 0 ? reusable : index;
        put(target, network, mac, port, now);
        return true;
      }
      if (stored == mac && networks[index] == network) {
        ports[index] = port;
        lastSeen[index] = now;
        return true;
      }
      if (reusable < 0 && !isLive(index, now)) {
        reusable = index;
      }
    }
    if (reusable >= 0) {
      put(reusable, network, mac, port, now);
      return true;
    }
    return false;
  }

  /** The port {@code mac} of {@code network} was last seen on, or -1 when unknown or aged out. */
  public int lookup(int network, long mac, long now) {
    int index = slot(network, mac);
    for (int probes = 0; probes <= mask; probes++, index = (index + 1) & mask) {
      long stored = macs[index];
      if (stored == EMPTY) {
        return -1;
      }
      if (stored == mac && networks[index] == network) {
        return isLive(index, now) ? ports[index] : -1;
      }
    }
    return -1;
  }

  /** Forgets every MAC learned on {@code port} (the port went away). */
  public void flushPort(int port) {
    for (int i = 0; i <= mask; i++) {
      if (macs[i] != EMPTY && ports[i] == port) {
        lastSeen[i] = EXPIRED;
      }
    }
  }

  /** Live entries at {@code now}; a control-path scan of the whole table. */
  public int size(long now) {
    int live = 0;
    for (int i = 0; i <= mask; i++) {
      if (macs[i] != EMPTY && isLive(i, now)) {
        live++;
      }
    }
    return live;
  }

  private boolean isLive(int index, long now) {
    return lastSeen[index] != EXPIRED && now - lastSeen[index] < ageNanos;
  }

  private void put(int index, int network, long mac, int port, long now) {
    macs[index] = mac;
    networks[index] = network;
    ports[index] = port;
    lastSeen[index] = now;
  }

  private int slot(int network, long mac) {
    long hash = (mac ^ ((long) network << 48) ^ network) * 0x9E37_79B9_7F4A_7C15L;
    return (int) (hash >>> 40) & mask;
  }
}
