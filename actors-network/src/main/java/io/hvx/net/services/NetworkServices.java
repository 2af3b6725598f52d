package io.hvx.net.services;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.PortKind;
import io.hvx.net.switching.VPort;
import io.hvx.net.logical.Ipv4;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
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
  private final LeaseListener leases;
  /** The VM NICs attached here; few, and searched only per DHCP message. */
  private final ArrayList<Nic> nics = new ArrayList<>();

  public NetworkServices(Counters counters, ServicePorts ports, LeaseListener leases) {
    this.counters = counters;
    this.ports = ports;
    this.leases = leases;
    this.dhcp = new DhcpServer(counters, leases);
    this.dns = new DnsServer(counters);
  }

  /** Installs or replaces the definition of one network; learned addresses and leases are kept. */
  public void define(NetworkTable table) {
    NetworkState state = networks.get(table.networkId);
    if (state == null) {
      state = new NetworkState(table);
      networks.put(table.networkId, state);
    } else {
      state.table = table;
    }
    long now = System.nanoTime();
    for (int i = 0; i < nics.size(); i++) {
      Nic nic = nics.get(i);
      if (nic.networkId() == table.networkId && nic.address() != 0) {
        String problem = fixedAddressProblem(state, nic, now);
        if (problem == null) {
          fix(state, nic);
        } else {
          counters.increment(Counter.DHCP_NIC_ADDRESS_REFUSED);
        }
      }
    }
  }

  /** How long a lease runs unless renewed. */
  public void leaseTime(Duration time) {
    dhcp.leaseNanos(time.toNanos());
  }

  /** How long an address a client declined (found in use) stays out of the pool. */
  public void declineTime(Duration time) {
    dhcp.declineNanos(time.toNanos());
  }

  /** This node grants new addresses only from slice {@code index} of {@code count} of every range. */
  public void dhcpSlice(int index, int count) {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException("DHCP slice " + index + " of " + count);
    }
    dhcp.slice(index, count);
  }

  /**
   * Registers a VM NIC: DHCP gives it its fixed address (leased at once, without expiry, so that every
   * node's router and DNS know it) or one from the range, and DNS names it by its hostname.
   *
   * @throws IllegalArgumentException when the fixed address is outside the network's subnets, a
   *     gateway, or held by another MAC (checked now if the network is defined, else when it is)
   */
  public void attachNic(Nic nic) {
    for (int i = 0; i < nics.size(); i++) {
      if (nics.get(i).networkId() == nic.networkId() && nics.get(i).mac() == nic.mac()) {
        throw new IllegalArgumentException("MAC " + MacAddress.format(nic.mac()) + " is already attached to network "
            + nic.networkId() + " on this node");
      }
    }
    NetworkState state = networks.get(nic.networkId());
    if (state != null && nic.address() != 0) {
      String problem = fixedAddressProblem(state, nic, System.nanoTime());
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      fix(state, nic);
    }
    nics.add(nic);
  }

  /** Forgets a VM NIC; its fixed address, if it had one, is released everywhere. */
  public void detachNic(int networkId, long mac) {
    for (int i = 0; i < nics.size(); i++) {
      Nic nic = nics.get(i);
      if (nic.networkId() == networkId && nic.mac() == mac) {
        nics.remove(i);
        NetworkState state = networks.get(networkId);
        if (nic.address() != 0 && state != null && state.leaseByMac.get(mac) == (nic.address() & 0xFFFF_FFFFL)) {
          state.releaseLease(mac, nic.address());
          leases.leased(networkId, mac, nic.address(), nic.hostname(), 0);
        }
        return;
      }
    }
  }

  /**
   * Ends the lease {@code mac} holds in network {@code networkId}, if any, and tells the cluster: the address
   * returns to the pool at once instead of when the lease would have run out. Returns the address, or 0.
   */
  public int releaseLease(int networkId, long mac) {
    NetworkState state = networks.get(networkId);
    if (state == null) {
      return 0;
    }
    int address = (int) state.leaseByMac.get(mac);
    if (address != 0) {
      state.releaseLease(mac, address);
      if (leases != null) {
        leases.leased(networkId, mac, address, "", 0);
      }
    }
    return address;
  }

  private static String fixedAddressProblem(NetworkState state, Nic nic, long now) {
    String address = Ipv4.format(nic.address());
    if (state.table.subnetOf(nic.address()) < 0) {
      return "address " + address + " is in no subnet of network " + nic.networkId();
    }
    if (state.table.gatewayIndex(nic.address()) >= 0) {
      return "address " + address + " is a gateway of network " + nic.networkId();
    }
    int reservation = state.table.reservationOf(nic.mac());
    if (reservation >= 0 && state.table.reservedAddress[reservation] != nic.address()) {
      return "MAC " + MacAddress.format(nic.mac()) + " has the reservation "
          + Ipv4.format(state.table.reservedAddress[reservation]) + " in network " + nic.networkId();
    }
    for (int i = 0; i < state.table.reservedAddress.length; i++) {
      if (state.table.reservedAddress[i] == nic.address() && state.table.reservedMac[i] != nic.mac()) {
        return "address " + address + " is reserved for " + MacAddress.format(state.table.reservedMac[i]);
      }
    }
    long holder = state.leaseByAddress.get(nic.address() & 0xFFFF_FFFFL);
    if (holder != NetworkState.UNKNOWN && holder != nic.mac() && state.isLive(holder, now)) {
      return "address " + address + " is leased to " + MacAddress.format(holder);
    }
    return null;
  }

  private void fix(NetworkState state, Nic nic) {
    state.recordLease(nic.mac(), nic.address(), nic.hostname(), LeaseListener.FOREVER);
    if (leases != null) {
      leases.leased(nic.networkId(), nic.mac(), nic.address(), nic.hostname(), LeaseListener.FOREVER);
    }
  }

  private Nic nicOf(int networkId, long mac) {
    for (int i = 0; i < nics.size(); i++) {
      Nic nic = nics.get(i);
      if (nic.networkId() == networkId && nic.mac() == mac) {
        return nic;
      }
    }
    return null;
  }

  public void remove(int networkId) {
    networks.remove(networkId);
  }

  /**
   * Records a lease granted by any node (replicated), so that this node answers alike; it runs until
   * {@code expiresAt} (nanoTime, or {@link LeaseListener#FOREVER}).
   */
  public void applyLease(int networkId, long mac, int address, String hostname, long expiresAt) {
    NetworkState state = networks.get(networkId);
    if (state != null) {
      state.recordLease(mac, address, hostname, expiresAt);
    }
  }

  /**
   * Returns the address of an ended lease to the pool; unless {@code evenIfLive}, its holder keeps it
   * if it renewed here meanwhile.
   */
  public void expireLease(int networkId, long mac, int address, long now, boolean evenIfLive) {
    NetworkState state = networks.get(networkId);
    if (state != null && (int) state.leaseByMac.get(mac) == address && (evenIfLive || !state.isLive(mac, now))) {
      state.releaseLease(mac, address);
      counters.increment(Counter.DHCP_LEASES_EXPIRED);
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
      int replyLength = dhcp.answer(state, nicOf(networkId, EthernetFrame.readMac(buffer,
          offset + EthernetFrame.SOURCE_OFFSET)), buffer, offset, length, ip, out, now);
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
    long mac = nextHop(state, networkId, now);
    if (mac == NetworkState.UNKNOWN) {
      return;
    }
    boolean refresh = state.isStale(target, now, ARP_REFRESH_AGE);
    readdress(buffer, offset, length, mac);
    counters.increment(Counter.ROUTER_ROUTED_FRAMES);
    // Addresses and ports are unchanged, so the offload's pseudo-header checksum stays right.
    ports.emitOffloaded(networkId, buffer, offset, length, offload);
    if (refresh) {
      requestAddress(state, networkId, state.table.subnetOf(target), target, now);
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
    long mac = nextHop(state, networkId, now);
    if (mac == NetworkState.UNKNOWN) {
      return;
    }
    boolean refresh = state.isStale(target, now, ARP_REFRESH_AGE);
    out.putBytes(0, buffer, offset, length);
    readdress(out, 0, length, mac);
    counters.increment(Counter.ROUTER_ROUTED_FRAMES);
    ports.emit(networkId, out, 0, length);
    if (refresh) {
      // The reply re-learns the address (or its host's new MAC) and resets the age; `out` is free again.
      requestAddress(state, networkId, state.table.subnetOf(target), target, now);
    }
  }

  /**
   * The MAC of the host the packet in {@link #ip} is routed to, or {@link NetworkState#UNKNOWN} after
   * counting why it is dropped (no subnet of the network holds it, its TTL ran out, or its MAC is not known
   * yet: then it is asked for by ARP, and the sender's retransmission finds it).
   */
  private long nextHop(NetworkState state, int networkId, long now) {
    int target = ip.destination();
    int subnet = state.table.subnetOf(target);
    if (subnet < 0) {
      counters.increment(Counter.ROUTER_NO_ROUTE);
      return NetworkState.UNKNOWN;
    }
    if (ip.ttl() <= 1) {
      counters.increment(Counter.ROUTER_TTL_EXPIRED);
      return NetworkState.UNKNOWN;
    }
    long mac = state.resolve(target);
    if (mac == NetworkState.UNKNOWN) {
      counters.increment(Counter.ROUTER_UNRESOLVED);
      requestAddress(state, networkId, subnet, target, now);
    }
    return mac;
  }

  /** Rewrites the IPv4 frame at {@code buffer[offset, offset + length)} as the router forwards it to {@code mac}. */
  private void readdress(MutableDirectBuffer buffer, int offset, int length, long mac) {
    frame.wrap(buffer, offset, length).destination(mac).source(ROUTER_MAC);
    int ipOffset = frame.payloadOffset();
    outIp.wrap(buffer, ipOffset, length - EthernetFrame.PAYLOAD_OFFSET);
    buffer.putByte(ipOffset + Ipv4Packet.TTL_OFFSET, (byte) (outIp.ttl() - 1));
    buffer.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(ipOffset + Ipv4Packet.CHECKSUM_OFFSET, (short) outIp.computeChecksum(), ByteOrder.BIG_ENDIAN);
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
