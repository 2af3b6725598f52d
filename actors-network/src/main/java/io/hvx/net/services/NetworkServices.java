package io.hvx.net.services;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.PortKind;
import io.hvx.net.switching.VPort;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The distributed router, DHCP server and DNS server of every logical network, present on every node
 * and run on the switch thread: frames from local ports addressed to the router (same MAC on every
 * node) are answered or routed here, before switching. Replies are built in one preallocated buffer.
 *
 * <p>Address resolution across nodes: the router learns IP-to-MAC pairs from every ARP packet it sees
 * and from DHCP leases. For an unknown destination it broadcasts an ARP request in the destination
 * subnet (reaching every node); the host answers its own node's router, which learns the pair and
 * relays the reply to the other nodes' routers. The packet that caused the request is dropped and
 * counted; the sender's retransmission finds the address.
 */
public final class NetworkServices {
  /** The router's MAC on every node: locally administered, unicast. */
  public static final long ROUTER_MAC = 0x02_68_76_78_00_01L;

  static final int UDP_HEADER = 8;
  private static final int DHCP_SERVER_PORT = 67;
  private static final int DNS_PORT = 53;
  private static final long ARP_REQUEST_INTERVAL = 200_000_000L;
  /** After this, a learned address is re-resolved in the background while packets keep flowing. */
  private static final long ARP_REFRESH_AGE = 30_000_000_000L;

  private final Counters counters;
  private final ServicePorts ports;
  private final Int2ObjectHashMap<NetworkState> networks = new Int2ObjectHashMap<>();
  private final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
  private final EthernetFrame frame = new EthernetFrame();
  private final ArpPacket arp = new ArpPacket();
  private final ArpPacket arpOut = new ArpPacket();
  private final Ipv4Packet ip = new Ipv4Packet();
  private final Ipv4Packet outIp = new Ipv4Packet();
  private final DhcpServer dhcp;
  private final DnsServer dns;

  public NetworkServices(Counters counters, ServicePorts ports, LeaseListener leases) {
    this.counters = counters;
    this.ports = ports;
    this.dhcp = new DhcpServer(counters, leases);
    this.dns = new DnsServer(counters);
  }

  /** Installs or replaces the definition of one network; learned addresses and leases are kept. */
  public void define(NetworkTable table) {
    NetworkState state = networks.get(table.networkId);
    if (state == null) {
      networks.put(table.networkId, new NetworkState(table));
    } else {
      state.table = table;
    }
  }

  public void remove(int networkId) {
    networks.remove(networkId);
  }

  /** Records a lease granted by any node (replicated), so that this node answers alike. */
  public void applyLease(int networkId, long mac, int address, String hostname) {
    NetworkState state = networks.get(networkId);
    if (state != null) {
      state.recordLease(mac, address, hostname);
    }
  }

  /** The address leased to {@code mac} in {@code networkId}, or 0; for tests and the control plane. */
  public int leaseOf(int networkId, long mac) {
    NetworkState state = networks.get(networkId);
    return state == null ? 0 : (int) state.leaseByMac.get(mac);
  }

  /**
   * Handles a frame before switching; returns true when the services consumed it (answered, routed or
   * dropped it), false when the switch should forward it as usual.
   */
  public boolean intercept(VPort ingress, int networkId, DirectBuffer buffer, int offset, int length, long now) {
    NetworkState state = networks.get(networkId);
    if (state == null) {
      return false;
    }
    frame.wrap(buffer, offset, length);
    int type = frame.etherType();
    boolean local = ingress.kind() == PortKind.LOCAL;
    if (type == EthernetFrame.ETHER_TYPE_ARP) {
      return onArp(state, ingress, local, buffer, offset, length, now);
    }
    if (!local || type != EthernetFrame.ETHER_TYPE_IPV4) {
      return false;
    }
    long destination = frame.destination();
    if (destination != ROUTER_MAC && destination != MacAddress.BROADCAST) {
      return false;
    }
    ip.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
    if (!ip.isWellFormed()) {
      if (destination == ROUTER_MAC) {
        counters.increment(Counter.SERVICES_MALFORMED_FRAMES);
        return true;
      }
      return false;
    }
    int udpPort = udpDestinationPort(buffer);
    if (udpPort == DHCP_SERVER_PORT) {
      int replyLength = dhcp.answer(state, buffer, offset, length, ip, out);
      if (replyLength > 0) {
        ingress.sink().transmit(networkId, out, 0, replyLength);
      }
      return true;
    }
    if (destination != ROUTER_MAC) {
      return false;
    }
    int gatewayIndex = state.table.gatewayIndex(ip.destination());
    if (gatewayIndex >= 0) {
      int replyLength = 0;
      if (udpPort == DNS_PORT) {
        replyLength = dns.answer(state, buffer, offset, ip, out);
      } else if (ip.protocol() == Ipv4Packet.PROTOCOL_ICMP) {
        replyLength = echoReply(buffer, offset, length);
      } else {
        counters.increment(Counter.ROUTER_DROPPED_TO_GATEWAY);
      }
      if (replyLength > 0) {
        ingress.sink().transmit(networkId, out, 0, replyLength);
      }
      return true;
    }
    route(state, networkId, buffer, offset, length, now);
    return true;
  }

  /**
   * Routes a GSO frame from a local port to the router: the same decisions as for an ordinary packet,
   * but the frame is rewritten in place and sent whole with its offload, since up to 64 KiB do not fit
   * the reply buffer. Anything else addressed to the router that way is a counted drop.
   */
  public void routeOffloaded(int networkId, MutableDirectBuffer buffer, int offset, int length, long offload,
      long now) {
    NetworkState state = networks.get(networkId);
    if (state == null) {
      counters.increment(Counter.ROUTER_NO_ROUTE);
      return;
    }
    frame.wrap(buffer, offset, length);
    ip.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
    if (frame.etherType() != EthernetFrame.ETHER_TYPE_IPV4 || !ip.isWellFormed()) {
      counters.increment(Counter.SERVICES_MALFORMED_FRAMES);
      return;
    }
    int target = ip.destination();
    if (state.table.gatewayIndex(target) >= 0) {
      counters.increment(Counter.ROUTER_DROPPED_TO_GATEWAY);
      return;
    }
    int subnet = state.table.subnetOf(target);
    if (subnet < 0) {
      counters.increment(Counter.ROUTER_NO_ROUTE);
      return;
    }
    if (ip.ttl() <= 1) {
      counters.increment(Counter.ROUTER_TTL_EXPIRED);
      return;
    }
    long mac = state.resolve(target);
    if (mac == NetworkState.UNKNOWN) {
      counters.increment(Counter.ROUTER_UNRESOLVED);
      requestAddress(state, networkId, subnet, target, now);
      return;
    }
    boolean refresh = state.isStale(target, now, ARP_REFRESH_AGE);
    frame.destination(mac).source(ROUTER_MAC);
    int ipOffset = frame.payloadOffset();
    buffer.putByte(ipOffset + Ipv4Packet.TTL_OFFSET, (byte) (ip.ttl() - 1));
    buffer.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) ip.computeChecksum(), ByteOrder.BIG_ENDIAN);
    counters.increment(Counter.ROUTER_ROUTED_FRAMES);
    // Addresses and ports are unchanged, so the offload's pseudo-header checksum stays right.
    ports.emitOffloaded(networkId, buffer, offset, length, offload);
    if (refresh) {
      requestAddress(state, networkId, subnet, target, now);
    }
  }

  private boolean onArp(NetworkState state, VPort ingress, boolean local, DirectBuffer buffer, int offset, int length,
      long now) {
    arp.wrap(buffer, frame.payloadOffset(), frame.payloadLength());
    if (!arp.isEthernetIpv4()) {
      counters.increment(Counter.SERVICES_MALFORMED_FRAMES);
      return false;
    }
    int senderIp = arp.senderProtocol();
    long senderMac = arp.senderHardware();
    if (senderIp != 0 && senderMac != ROUTER_MAC && !MacAddress.isGroup(senderMac)
        && state.table.subnetOf(senderIp) >= 0) {
      state.learn(senderIp, senderMac, now);
    }
    int operation = arp.operation();
    if (operation == ArpPacket.OPERATION_REPLY && frame.destination() == ROUTER_MAC) {
      if (local) {
        // Answer to some node's router: tell every node's router.
        ports.toTunnels(ingress.networkId(), buffer, offset, length);
      }
      return true;
    }
    if (local && operation == ArpPacket.OPERATION_REQUEST && state.table.gatewayIndex(arp.targetProtocol()) >= 0) {
      int gateway = arp.targetProtocol();
      EthernetFrame reply = frame.wrap(out, 0, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
      reply.destination(senderMac).source(ROUTER_MAC).etherType(EthernetFrame.ETHER_TYPE_ARP);
      arpOut.wrap(out, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH).write(ArpPacket.OPERATION_REPLY, ROUTER_MAC, gateway, senderMac, senderIp);
      counters.increment(Counter.ROUTER_ARP_REPLIES);
      ingress.sink().transmit(ingress.networkId(), out, 0, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
      return true;
    }
    return false;
  }

  private void route(NetworkState state, int networkId, DirectBuffer buffer, int offset, int length, long now) {
    int target = ip.destination();
    int subnet = state.table.subnetOf(target);
    if (subnet < 0) {
      counters.increment(Counter.ROUTER_NO_ROUTE);
      return;
    }
    if (ip.ttl() <= 1) {
      counters.increment(Counter.ROUTER_TTL_EXPIRED);
      return;
    }
    long mac = state.resolve(target);
    if (mac == NetworkState.UNKNOWN) {
      counters.increment(Counter.ROUTER_UNRESOLVED);
      requestAddress(state, networkId, subnet, target, now);
      return;
    }
    out.putBytes(0, buffer, offset, length);
    boolean refresh = state.isStale(target, now, ARP_REFRESH_AGE);
    frame.wrap(out, 0, length).destination(mac).source(ROUTER_MAC);
    int ipOffset = EthernetFrame.PAYLOAD_OFFSET;
    out.putByte(ipOffset + Ipv4Packet.TTL_OFFSET, (byte) (ip.ttl() - 1));
    out.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) 0);
    outIp.wrap(out, ipOffset, length - ipOffset);
    out.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) outIp.computeChecksum(), ByteOrder.BIG_ENDIAN);
    counters.increment(Counter.ROUTER_ROUTED_FRAMES);
    ports.emit(networkId, out, 0, length);
    if (refresh) {
      // The reply re-learns the address (or its host's new MAC) and resets the age; `out` is free again.
      requestAddress(state, networkId, subnet, target, now);
    }
  }

  private void requestAddress(NetworkState state, int networkId, int subnet, int target, long now) {
    if (target == state.lastArpTarget && now - state.lastArpAt < ARP_REQUEST_INTERVAL) {
      counters.increment(Counter.ROUTER_ARP_REQUESTS_SUPPRESSED);
      return;
    }
    if (!state.takeArpCredit(now)) {
      counters.increment(Counter.ROUTER_ARP_REQUESTS_SUPPRESSED);
      return;
    }
    state.lastArpTarget = target;
    state.lastArpAt = now;
    frame.wrap(out, 0, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH)
        .destination(MacAddress.BROADCAST).source(ROUTER_MAC).etherType(EthernetFrame.ETHER_TYPE_ARP);
    arpOut.wrap(out, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH).write(ArpPacket.OPERATION_REQUEST, ROUTER_MAC, state.table.gateway[subnet], 0, target);
    counters.increment(Counter.ROUTER_ARP_REQUESTS);
    ports.emit(networkId, out, 0, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH);
  }

  private int echoReply(DirectBuffer buffer, int offset, int length) {
    int ipOffset = EthernetFrame.PAYLOAD_OFFSET;
    int icmpOffset = ipOffset + ip.headerLength();
    int end = ipOffset + ip.totalLength();
    if (end - icmpOffset < 8 || (buffer.getByte(offset + icmpOffset) & 0xFF) != 8) {
      counters.increment(Counter.ROUTER_DROPPED_TO_GATEWAY);
      return 0;
    }
    out.putBytes(0, buffer, offset, end);
    frame.wrap(out, 0, end).destination(EthernetFrame.readMac(buffer, offset + EthernetFrame.SOURCE_OFFSET))
        .source(ROUTER_MAC);
    outIp.wrap(out, ipOffset, end - ipOffset).writeHeader(ip.totalLength(), 64, Ipv4Packet.PROTOCOL_ICMP,
        ip.destination(), ip.source());
    out.putByte(icmpOffset, (byte) 0);
    out.putShort(icmpOffset + 2, (short) 0);
    out.putShort(icmpOffset + 2, (short) Checksums.internet(out, icmpOffset, end - icmpOffset), ByteOrder.BIG_ENDIAN);
    counters.increment(Counter.ROUTER_ICMP_REPLIES);
    return end;
  }

  /** The UDP destination port of the current IPv4 packet, or -1 when it is not (whole) UDP. */
  private int udpDestinationPort(DirectBuffer buffer) {
    if (ip.protocol() != Ipv4Packet.PROTOCOL_UDP || ip.totalLength() - ip.headerLength() < UDP_HEADER) {
      return -1;
    }
    return buffer.getShort(frame.payloadOffset() + ip.headerLength() + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }
}
