package io.hvx.net.switching;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.frame.Offload;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.services.NetworkServices;
import io.hvx.net.services.ServicePorts;
import java.util.Arrays;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The forwarding core of one node's switch: learns source MACs per logical network, sends unicast to
 * the learned port and floods the rest within the broadcast domain. Single-threaded: only the
 * switch's data-plane thread calls it, so ports are added and removed through {@link SwitchAgent}.
 *
 * <p>Tunnel ports follow split horizon: the nodes form a full mesh, so a frame that came out of a
 * tunnel is delivered only to local ports, never relayed into another tunnel.
 */
public final class L2Switch implements ServicePorts {
  public static final int MAX_PORTS = 1024;
  /** Default flood budget of one local port: broadcast, multicast and unknown unicast frames per second. */
  public static final long DEFAULT_FLOOD_RATE = 20_000;
  private static final long SECOND = 1_000_000_000L;

  private final MacTable macTable;
  private final Counters counters;
  private final VPort[] ports = new VPort[MAX_PORTS];
  private int[] activeIds = new int[0];
  // Per-port token buckets for flooding, in frame-nanoseconds: one flooded frame costs SECOND.
  private final long floodRate;
  private final long floodBurst;
  private final long[] floodCredit = new long[MAX_PORTS];
  private final long[] floodRefilledAt = new long[MAX_PORTS];
  private final boolean[] floodClockStarted = new boolean[MAX_PORTS];
  private NetworkServices services;
  private long now;

  public L2Switch(MacTable macTable, Counters counters) {
    this(macTable, counters, DEFAULT_FLOOD_RATE);
  }

  /**
   * A switch that lets each local port flood at most {@code floodRatePerSecond} frames per second (with
   * a burst of as many), so that an ARP or broadcast storm from one port cannot starve the others.
   */
  public L2Switch(MacTable macTable, Counters counters, long floodRatePerSecond) {
    if (floodRatePerSecond <= 0) {
      throw new IllegalArgumentException("flood rate must be positive: " + floodRatePerSecond);
    }
    this.macTable = macTable;
    this.counters = counters;
    this.floodRate = floodRatePerSecond;
    this.floodBurst = floodRatePerSecond * SECOND;
  }

  public void addPort(VPort port) {
    if (ports[port.id()] != null) {
      throw new IllegalArgumentException("port id already in use: " + port.id());
    }
    ports[port.id()] = port;
    floodCredit[port.id()] = floodBurst;
    floodClockStarted[port.id()] = false;
    int[] ids = Arrays.copyOf(activeIds, activeIds.length + 1);
    ids[ids.length - 1] = port.id();
    activeIds = ids;
  }

  public void removePort(int id) {
    if (ports[id] == null) {
      return;
    }
    ports[id] = null;
    activeIds = Arrays.stream(activeIds).filter(p -> p != id).toArray();
    macTable.flushPort(id);
  }

  /** Puts the router, DHCP and DNS in front of switching; data-plane thread only. */
  public void services(NetworkServices networkServices) {
    this.services = networkServices;
  }

  public NetworkServices services() {
    return services;
  }

  public VPort port(int id) {
    return ports[id];
  }

  public MacTable macTable() {
    return macTable;
  }

  /** True when some local port of this switch is in {@code networkId}. */
  public boolean hasLocalPortIn(int networkId) {
    for (int id : activeIds) {
      VPort port = ports[id];
      if (port.kind() == PortKind.LOCAL && port.networkId() == networkId) {
        return true;
      }
    }
    return false;
  }

  /**
   * Switches one frame that arrived on port {@code ingressId} in logical network {@code networkId}.
   * Every frame ends forwarded, flooded or as a counted drop.
   */
  public void onFrame(int ingressId, int networkId, DirectBuffer buffer, int offset, int length, long now) {
    onFrame(ingressId, networkId, buffer, offset, length, now, Offload.NONE);
  }

  /**
   * Switches one frame that may be a GSO frame ({@code offload} not {@link Offload#NONE}): such a
   * frame may be up to 64 KiB long, is forwarded whole to a sink that can take it, bypasses DHCP and
   * DNS (it is TCP data) and, addressed to the router, is routed in place.
   */
  public void onFrame(int ingressId, int networkId, DirectBuffer buffer, int offset, int length, long now,
      long offload) {
    counters.increment(Counter.SWITCH_RX_FRAMES);
    this.now = now;
    if (length < EthernetFrame.HEADER_LENGTH) {
      counters.increment(Counter.SWITCH_RUNT_FRAMES);
      return;
    }
    if (length > (offload == Offload.NONE ? EthernetFrame.MAX_LENGTH : Offload.MAX_FRAME_LENGTH)) {
      counters.increment(Counter.SWITCH_OVERSIZED_FRAMES);
      return;
    }
    VPort ingress = ports[ingressId];
    if (ingress == null) {
      return;
    }
    boolean fromTunnel = ingress.kind() == PortKind.TUNNEL;
    if (fromTunnel && !hasLocalPortIn(networkId)) {
      counters.increment(Counter.SWITCH_UNKNOWN_NETWORK_FRAMES);
      return;
    }
    long source = EthernetFrame.readMac(buffer, offset + EthernetFrame.SOURCE_OFFSET);
    if (MacAddress.isGroup(source)) {
      counters.increment(Counter.SWITCH_MULTICAST_SOURCE_FRAMES);
      return;
    }
    // The router's MAC is the same on every node: it is never at a port, so it is never learned.
    if (source != NetworkServices.ROUTER_MAC && !macTable.learn(networkId, source, ingressId, now)) {
      counters.increment(Counter.SWITCH_MAC_TABLE_FULL);
    }
    long destination = EthernetFrame.readMac(buffer, offset + EthernetFrame.DESTINATION_OFFSET);
    if (offload != Offload.NONE) {
      if (destination == NetworkServices.ROUTER_MAC && !fromTunnel && services != null
          && buffer instanceof MutableDirectBuffer frame) {
        services.routeOffloaded(networkId, frame, offset, length, offload, now);
        return;
      }
      if (destination == NetworkServices.ROUTER_MAC || MacAddress.isGroup(destination)) {
        counters.increment(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES);
        return;
      }
    } else if (services != null && services.intercept(ingress, networkId, buffer, offset, length, now)) {
      return;
    }
    if (!MacAddress.isGroup(destination)) {
      int egressId = macTable.lookup(networkId, destination, now);
      if (egressId >= 0) {
        VPort egress = ports[egressId];
        if (egressId == ingressId || (fromTunnel && egress.kind() == PortKind.TUNNEL)) {
          counters.increment(Counter.SWITCH_HAIRPIN_FRAMES);
          return;
        }
        counters.increment(Counter.SWITCH_UNICAST_FRAMES);
        if (offload == Offload.NONE) {
          send(egress, networkId, buffer, offset, length);
        } else if (!egress.sink().transmitOffloaded(networkId, buffer, offset, length, offload)) {
          counters.increment(Counter.SWITCH_PORT_TX_DROPS);
        }
        return;
      }
    }
    if (offload != Offload.NONE) {
      // Unknown unicast is flooded segment-sized only; a GSO frame waits for the MAC to be learned.
      counters.increment(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES);
      return;
    }
    if (!fromTunnel && !takeFloodCredit(ingressId, now)) {
      counters.increment(Counter.SWITCH_FLOOD_RATE_LIMITED_FRAMES);
      return;
    }
    counters.increment(Counter.SWITCH_FLOODED_FRAMES);
    for (int id : activeIds) {
      VPort egress = ports[id];
      if (id == ingressId) {
        continue;
      }
      boolean member = egress.kind() == PortKind.LOCAL ? egress.networkId() == networkId : !fromTunnel;
      if (member) {
        send(egress, networkId, buffer, offset, length);
      }
    }
  }

  @Override
  public void emit(int networkId, DirectBuffer buffer, int offset, int length) {
    long destination = EthernetFrame.readMac(buffer, offset + EthernetFrame.DESTINATION_OFFSET);
    if (!MacAddress.isGroup(destination)) {
      int egressId = macTable.lookup(networkId, destination, now);
      if (egressId >= 0) {
        counters.increment(Counter.SWITCH_UNICAST_FRAMES);
        send(ports[egressId], networkId, buffer, offset, length);
        return;
      }
    }
    counters.increment(Counter.SWITCH_FLOODED_FRAMES);
    for (int id : activeIds) {
      VPort egress = ports[id];
      if (egress.kind() == PortKind.TUNNEL || egress.networkId() == networkId) {
        send(egress, networkId, buffer, offset, length);
      }
    }
  }

  @Override
  public void emitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
    long destination = EthernetFrame.readMac(buffer, offset + EthernetFrame.DESTINATION_OFFSET);
    int egressId = MacAddress.isGroup(destination) ? -1 : macTable.lookup(networkId, destination, now);
    if (egressId < 0) {
      counters.increment(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES);
      return;
    }
    counters.increment(Counter.SWITCH_UNICAST_FRAMES);
    if (!ports[egressId].sink().transmitOffloaded(networkId, buffer, offset, length, offload)) {
      counters.increment(Counter.SWITCH_PORT_TX_DROPS);
    }
  }

  @Override
  public void toTunnels(int networkId, DirectBuffer buffer, int offset, int length) {
    for (int id : activeIds) {
      VPort egress = ports[id];
      if (egress.kind() == PortKind.TUNNEL) {
        send(egress, networkId, buffer, offset, length);
      }
    }
  }

  private boolean takeFloodCredit(int portId, long now) {
    if (!floodClockStarted[portId]) {
      floodClockStarted[portId] = true;
      floodRefilledAt[portId] = now;
    }
    // Elapsed time is capped at one second before multiplying, which fills the bucket and cannot overflow.
    long elapsed = Math.min(Math.max(now - floodRefilledAt[portId], 0), SECOND);
    floodRefilledAt[portId] = now;
    long credit = Math.min(floodBurst, floodCredit[portId] + elapsed * floodRate);
    if (credit < SECOND) {
      floodCredit[portId] = credit;
      return false;
    }
    floodCredit[portId] = credit - SECOND;
    return true;
  }

  private void send(VPort egress, int networkId, DirectBuffer buffer, int offset, int length) {
    if (!egress.sink().transmit(networkId, buffer, offset, length)) {
      counters.increment(Counter.SWITCH_PORT_TX_DROPS);
    }
  }
}
