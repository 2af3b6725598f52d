package io.hvx.net.services;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The DHCP server (RFC 2131, options RFC 2132) every node runs for every network. It answers alike on
 * every node without asking the others: a reserved MAC gets its reservation, a MAC with a lease (granted
 * by any node, replicated) gets that lease while it runs, and a new MAC gets the first free address of
 * this node's slice of the range, searched from a position hashed from the MAC. The slices of the nodes
 * are disjoint (addresses whose offset in the range is congruent to the node's index modulo the number
 * of nodes), so two nodes never grant one address to two MACs in the moment before their leases have
 * replicated. A lease ends after the lease time unless its client renews it, or at once when the client
 * releases it; its address then returns to the pool. An address a client declines (found in use) stays
 * out of the pool for the decline time.
 *
 * <pre>
 *  BOOTP message after the UDP header (offsets used here):
 *   0 op | 1 htype | 2 hlen | 3 hops | 4 xid (4) | 8 secs (2) | 10 flags (2) | 12 ciaddr | 16 yiaddr
 *  20 siaddr | 24 giaddr | 28 chaddr (16) | 44 sname (64) | 108 file (128) | 236 magic cookie | 240 options
 * </pre>
 */
final class DhcpServer {
  private static final int OP_OFFSET = 0;
  private static final int XID_OFFSET = 4;
  private static final int FLAGS_OFFSET = 10;
  private static final int CIADDR_OFFSET = 12;
  private static final int YIADDR_OFFSET = 16;
  private static final int SIADDR_OFFSET = 20;
  private static final int CHADDR_OFFSET = 28;
  private static final int COOKIE_OFFSET = 236;
  private static final int OPTIONS_OFFSET = 240;
  private static final int COOKIE = 0x63825363;
  private static final int MIN_REPLY = 300;

  private static final int DISCOVER = 1;
  private static final int OFFER = 2;
  private static final int REQUEST = 3;
  private static final int DECLINE = 4;
  private static final int ACK = 5;
  private static final int NAK = 6;
  private static final int RELEASE = 7;
  /** How long a declined address stays out of the pool unless set otherwise (RFC 2131 leaves it to the server). */
  static final long DEFAULT_DECLINE_NANOS = 10L * 60 * 1_000_000_000L;

  private static final int OPTION_PAD = 0;
  private static final int OPTION_SUBNET_MASK = 1;
  private static final int OPTION_ROUTER = 3;
  private static final int OPTION_DNS = 6;
  private static final int OPTION_HOSTNAME = 12;
  private static final int OPTION_DOMAIN = 15;
  private static final int OPTION_REQUESTED_ADDRESS = 50;
  private static final int OPTION_LEASE_TIME = 51;
  private static final int OPTION_MESSAGE_TYPE = 53;
  private static final int OPTION_SERVER_ID = 54;
  private static final int OPTION_END = 255;

  private final Counters counters;
  private final LeaseListener listener;
  private final Ipv4Packet outIp = new Ipv4Packet();
  private long leaseNanos = 3600L * 1_000_000_000L;
  private long declineNanos = DEFAULT_DECLINE_NANOS;
  private int sliceIndex;
  private int sliceCount = 1;

  DhcpServer(Counters counters, LeaseListener listener) {
    this.counters = counters;
    this.listener = listener;
  }

  void leaseNanos(long nanos) {
    leaseNanos = nanos;
  }

  void declineNanos(long nanos) {
    declineNanos = nanos;
  }

  /** This node allocates new addresses only from slice {@code index} of {@code count}. */
  void slice(int index, int count) {
    sliceIndex = index;
    sliceCount = count;
  }

  /** Answers the DHCP message in the frame; returns the reply's length in {@code out}, or 0 for none. */
  int answer(NetworkState state, Nic nic, DirectBuffer in, int offset, int length, Ipv4Packet ip,
      MutableDirectBuffer out, long now) {
    int udp = offset + EthernetFrame.PAYLOAD_OFFSET + ip.headerLength();
    int bootp = udp + NetworkServices.UDP_HEADER;
    int bootpLength = ip.totalLength() - ip.headerLength() - NetworkServices.UDP_HEADER;
    if (bootpLength < OPTIONS_OFFSET + 1 || (in.getByte(bootp + OP_OFFSET) & 0xFF) != 1
        || in.getShort(bootp + 1, ByteOrder.BIG_ENDIAN) != 0x0106
        || in.getInt(bootp + COOKIE_OFFSET, ByteOrder.BIG_ENDIAN) != COOKIE) {
      counters.increment(Counter.DHCP_MALFORMED_MESSAGES);
      return 0;
    }
    long mac = EthernetFrame.readMac(in, bootp + CHADDR_OFFSET);
    int type = 0;
    int requested = 0;
    int hostnameOffset = -1;
    int hostnameLength = 0;
    int end = bootp + bootpLength;
    for (int i = bootp + OPTIONS_OFFSET; i < end; ) {
      int code = in.getByte(i) & 0xFF;
      if (code == OPTION_END) {
        break;
      }
      if (code == OPTION_PAD) {
        i++;
        continue;
      }
      if (i + 1 >= end || i + 2 + (in.getByte(i + 1) & 0xFF) > end) {
        counters.increment(Counter.DHCP_MALFORMED_MESSAGES);
        return 0;
      }
      int optionLength = in.getByte(i + 1) & 0xFF;
      if (code == OPTION_MESSAGE_TYPE && optionLength == 1) {
        type = in.getByte(i + 2) & 0xFF;
      } else if (code == OPTION_REQUESTED_ADDRESS && optionLength == 4) {
        requested = in.getInt(i + 2, ByteOrder.BIG_ENDIAN);
      } else if (code == OPTION_HOSTNAME && optionLength > 0 && optionLength <= 63) {
        hostnameOffset = i + 2;
        hostnameLength = optionLength;
      }
      i += 2 + optionLength;
    }
    if (MacAddress.isGroup(mac) || mac == 0) {
      counters.increment(Counter.DHCP_MALFORMED_MESSAGES);
      return 0;
    }
    if (type == RELEASE) {
      release(state, nic, mac, in.getInt(bootp + CIADDR_OFFSET, ByteOrder.BIG_ENDIAN));
      return 0;
    }
    if (type == DECLINE) {
      decline(state, nic, mac, requested, now);
      return 0;
    }
    int address = choose(state, mac, nic == null ? 0 : nic.address(), now, sliceIndex, sliceCount);
    if (type == DISCOVER) {
      if (address == 0) {
        counters.increment(Counter.DHCP_POOL_EXHAUSTED);
        return 0;
      }
      counters.increment(Counter.DHCP_OFFERS);
      return reply(state, in, bootp, address, OFFER, out);
    }
    if (type == REQUEST) {
      if (requested == 0) {
        requested = in.getInt(bootp + CIADDR_OFFSET, ByteOrder.BIG_ENDIAN);
      }
      if (address == 0 || (requested != 0 && requested != address)) {
        counters.increment(Counter.DHCP_NAKS);
        return reply(state, in, bootp, 0, NAK, out);
      }
      // The VM definition names its NIC; otherwise the name the client sends.
      String hostname = nic != null && !nic.hostname().isEmpty() ? nic.hostname()
          : hostnameLength > 0 ? hostname(in, hostnameOffset, hostnameLength) : "";
      boolean fixed = nic != null && nic.address() == address;
      state.recordLease(mac, address, hostname, fixed ? LeaseListener.FOREVER : now + leaseNanos);
      if (listener != null) {
        listener.leased(state.table.networkId, mac, address, hostname, fixed ? LeaseListener.FOREVER : leaseNanos);
      }
      counters.increment(Counter.DHCP_ACKS);
      return reply(state, in, bootp, address, ACK, out);
    }
    counters.increment(Counter.DHCP_IGNORED_MESSAGES);
    return 0;
  }

  /**
   * DHCPRELEASE: the client gives {@code address} back, so it returns to the pool on every node (the
   * listener replicates a lease that ends now). A VM NIC's fixed address stays: its definition owns it.
   */
  private void release(NetworkState state, Nic nic, long mac, int address) {
    if (address == 0 || (int) state.leaseByMac.get(mac) != address || (nic != null && nic.address() == address)) {
      counters.increment(Counter.DHCP_IGNORED_MESSAGES);
      return;
    }
    state.releaseLease(mac, address);
    if (listener != null) {
      listener.leased(state.table.networkId, mac, address, "", 0);
    }
    counters.increment(Counter.DHCP_RELEASES);
  }

  /**
   * DHCPDECLINE: the client found {@code address} in use by someone else (its ARP probe was answered),
   * so the client's lease on it ends and the address is held out of the pool for the decline time on
   * every node, as a lease of {@link #declinedHolder}. Reserved and fixed addresses are left to their
   * definitions.
   */
  private void decline(NetworkState state, Nic nic, long mac, int address, long now) {
    NetworkTable table = state.table;
    if (address == 0 || (int) state.leaseByMac.get(mac) != address || (nic != null && nic.address() == address)
        || table.isReserved(address)) {
      counters.increment(Counter.DHCP_IGNORED_MESSAGES);
      return;
    }
    state.releaseLease(mac, address);
    long holder = declinedHolder(address);
    state.recordLease(holder, address, "", now + declineNanos);
    if (listener != null) {
      listener.leased(table.networkId, mac, address, "", 0);
      listener.leased(table.networkId, holder, address, "", declineNanos);
    }
    counters.increment(Counter.DHCP_DECLINES);
  }

  /**
   * The holder recorded for a declined address: a group MAC (no client can have one, DHCP refuses
   * them) that carries the address, so the hold replicates and ends like any lease.
   */
  static long declinedHolder(int address) {
    return 0x03_00_0000_0000L | (address & 0xFFFF_FFFFL);
  }

  /** The address this MAC gets on a node allocating from the whole range; 0 when the range is full. */
  static int choose(NetworkState state, long mac) {
    return choose(state, mac, 0, 0, 0, 1);
  }

  /**
   * The address {@code mac} gets at {@code now}: {@code fixed} (its VM definition's), its reservation,
   * its running lease, else a free address of slice {@code sliceIndex} of {@code sliceCount}; 0 when
   * that slice is full.
   */
  static int choose(NetworkState state, long mac, int fixed, long now, int sliceIndex, int sliceCount) {
    NetworkTable table = state.table;
    if (fixed != 0) {
      return fixed;
    }
    int reservation = table.reservationOf(mac);
    if (reservation >= 0) {
      return table.reservedAddress[reservation];
    }
    int leased = (int) state.leaseByMac.get(mac);
    if (leased != 0 && table.subnetOf(leased) >= 0) {
      // Ours even after it ran out, as long as no other MAC took the address meanwhile.
      return leased;
    }
    int subnet = table.dhcpSubnet();
    if (subnet < 0) {
      return 0;
    }
    int first = table.dhcpFirst[subnet];
    int size = table.dhcpLast[subnet] - first + 1;
    long hash = mac * 0x9E37_79B9_7F4A_7C15L;
    int start = (int) Long.remainderUnsigned(hash >>> 16, size);
    for (int i = 0; i < size; i++) {
      int position = (start + i) % size;
      if (position % sliceCount != sliceIndex) {
        continue;
      }
      int candidate = first + position;
      long holder = state.leaseByAddress.get(candidate & 0xFFFF_FFFFL);
      boolean free = holder == NetworkState.UNKNOWN || holder == mac || !state.isLive(holder, now);
      if (free && !table.isReserved(candidate)) {
        return candidate;
      }
    }
    return 0;
  }

  private int reply(NetworkState state, DirectBuffer in, int bootp, int address, int type, MutableDirectBuffer out) {
    NetworkTable table = state.table;
    int subnet = address == 0 ? Math.max(table.dhcpSubnet(), 0) : table.subnetOf(address);
    int gateway = table.gateway.length == 0 ? 0 : table.gateway[subnet];
    int ipOffset = EthernetFrame.PAYLOAD_OFFSET;
    int udp = ipOffset + Ipv4Packet.MIN_HEADER_LENGTH;
    int b = udp + NetworkServices.UDP_HEADER;
    out.setMemory(b, MIN_REPLY, (byte) 0);
    out.putByte(b + OP_OFFSET, (byte) 2);
    out.putByte(b + 1, (byte) 1);
    out.putByte(b + 2, (byte) 6);
    out.putInt(b + XID_OFFSET, in.getInt(bootp + XID_OFFSET));
    out.putShort(b + FLAGS_OFFSET, in.getShort(bootp + FLAGS_OFFSET));
    out.putInt(b + YIADDR_OFFSET, address, ByteOrder.BIG_ENDIAN);
    out.putInt(b + SIADDR_OFFSET, gateway, ByteOrder.BIG_ENDIAN);
    out.putBytes(b + CHADDR_OFFSET, in, bootp + CHADDR_OFFSET, 16);
    out.putInt(b + COOKIE_OFFSET, COOKIE, ByteOrder.BIG_ENDIAN);
    int o = b + OPTIONS_OFFSET;
    o = option8(out, o, OPTION_MESSAGE_TYPE, type);
    o = option32(out, o, OPTION_SERVER_ID, gateway);
    if (type != NAK) {
      o = option32(out, o, OPTION_LEASE_TIME, (int) Math.max(1, leaseNanos / 1_000_000_000L));
      o = option32(out, o, OPTION_SUBNET_MASK, table.subnetMask[subnet]);
      o = option32(out, o, OPTION_ROUTER, gateway);
      o = option32(out, o, OPTION_DNS, gateway);
      out.putByte(o, (byte) OPTION_DOMAIN);
      out.putByte(o + 1, (byte) table.domain.length);
      out.putBytes(o + 2, table.domain);
      o += 2 + table.domain.length;
    }
    out.putByte(o++, (byte) OPTION_END);
    int bootpLength = Math.max(o - b, MIN_REPLY);
    int udpLength = NetworkServices.UDP_HEADER + bootpLength;
    int total = Ipv4Packet.MIN_HEADER_LENGTH + udpLength;
    EthernetFrame.writeMacAt(out, EthernetFrame.DESTINATION_OFFSET, io.hvx.net.frame.MacAddress.BROADCAST);
    EthernetFrame.writeMacAt(out, EthernetFrame.SOURCE_OFFSET, NetworkServices.ROUTER_MAC);
    out.putShort(EthernetFrame.ETHER_TYPE_OFFSET, (short) EthernetFrame.ETHER_TYPE_IPV4, ByteOrder.BIG_ENDIAN);
    outIp.wrap(out, ipOffset, total).writeHeader(total, 64, Ipv4Packet.PROTOCOL_UDP, gateway, -1);
    out.putShort(udp, (short) 67, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 2, (short) 68, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 4, (short) udpLength, ByteOrder.BIG_ENDIAN);
    // A zero UDP checksum means "none" in IPv4 (RFC 768).
    out.putShort(udp + 6, (short) 0);
    return EthernetFrame.HEADER_LENGTH + total;
  }

  private static int option8(MutableDirectBuffer out, int o, int code, int value) {
    out.putByte(o, (byte) code);
    out.putByte(o + 1, (byte) 1);
    out.putByte(o + 2, (byte) value);
    return o + 3;
  }

  private static int option32(MutableDirectBuffer out, int o, int code, int value) {
    out.putByte(o, (byte) code);
    out.putByte(o + 1, (byte) 4);
    out.putInt(o + 2, value, ByteOrder.BIG_ENDIAN);
    return o + 6;
  }

  private static String hostname(DirectBuffer in, int offset, int length) {
    byte[] bytes = new byte[length];
    in.getBytes(offset, bytes);
    String name = new String(bytes, StandardCharsets.US_ASCII).toLowerCase();
    return name.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") ? name : "";
  }
}
