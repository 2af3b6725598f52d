package io.hvx.net.services;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The DNS server (RFC 1035) at every gateway address: answers A queries for the network's records,
 * reserved host names and the host names DHCP clients sent, bare or under the network's domain, and PTR
 * queries ({@code d.c.b.a.in-addr.arpa}) for their addresses with the name under the domain. Names are
 * compared as bytes in a preallocated buffer; nothing is allocated per query.
 *
 * <pre>
 *  header: 0 id | 2 flags (QR, opcode, AA, TC, RD, RA, rcode) | 4 qdcount | 6 ancount | 8 nscount | 10 arcount
 *  question at 12: name as length-prefixed labels ending in 0 | qtype (2) | qclass (2)
 * </pre>
 */
final class DnsServer {
  private static final int HEADER = 12;
  private static final int TYPE_A = 1;
  private static final int TYPE_PTR = 12;
  private static final int TYPE_ANY = 255;
  private static final byte[] REVERSE_ZONE = ".in-addr.arpa".getBytes(StandardCharsets.US_ASCII);
  /** Longest name on the wire (RFC 1035 2.3.4), and longest label. */
  private static final int MAX_WIRE_NAME = 255;
  private static final int MAX_LABEL = 63;
  private static final int CLASS_IN = 1;
  private static final int NXDOMAIN = 3;
  private static final int FORMERR = 1;
  private static final int TTL_SECONDS = 60;

  private final Counters counters;
  private final byte[] name = new byte[256];
  private final Ipv4Packet outIp = new Ipv4Packet();

  DnsServer(Counters counters) {
    this.counters = counters;
  }

  /** Answers the query in the frame into {@code out}; returns the reply length, 0 for none. */
  int answer(NetworkState state, DirectBuffer in, int offset, Ipv4Packet ip, MutableDirectBuffer out) {
    int udp = offset + EthernetFrame.PAYLOAD_OFFSET + ip.headerLength();
    int dns = udp + NetworkServices.UDP_HEADER;
    int dnsLength = ip.totalLength() - ip.headerLength() - NetworkServices.UDP_HEADER;
    if (dnsLength < HEADER + 5 || (in.getByte(dns + 2) & 0x80) != 0) {
      counters.increment(Counter.DNS_MALFORMED_QUERIES);
      return 0;
    }
    int flags = in.getShort(dns + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    int questions = in.getShort(dns + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    int nameLength = 0;
    int i = dns + HEADER;
    int end = dns + dnsLength;
    boolean wellFormed = questions == 1 && (flags & 0x7800) == 0;
    while (wellFormed) {
      if (i >= end) {
        // The name runs to the end of the message without its terminating zero.
        wellFormed = false;
        break;
      }
      int label = in.getByte(i) & 0xFF;
      if (label == 0) {
        i++;
        break;
      }
      if (label > 63 || i + 1 + label > end || nameLength + label + 1 > name.length) {
        wellFormed = false;
        break;
      }
      if (nameLength > 0) {
        name[nameLength++] = '.';
      }
      for (int k = 0; k < label; k++) {
        byte c = in.getByte(i + 1 + k);
        name[nameLength++] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
      }
      i += 1 + label;
    }
    if (!wellFormed || i + 4 > end) {
      counters.increment(Counter.DNS_MALFORMED_QUERIES);
      return buildReply(in, offset, ip, dns, flags, HEADER, 0, FORMERR, 0, null, null, out);
    }
    int questionEnd = i + 4;
    int qtype = in.getShort(i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    int qclass = in.getShort(i + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    int reversed = reverseAddress(nameLength);
    if (reversed != 0) {
      byte[] host = nameAt(state, reversed);
      if (host == null || wireLength(host, state.table.domain) > MAX_WIRE_NAME) {
        counters.increment(Counter.DNS_NXDOMAIN);
        return buildReply(in, offset, ip, dns, flags, questionEnd - dns, 0, NXDOMAIN, 0, null, null, out);
      }
      counters.increment(Counter.DNS_ANSWERS);
      boolean answerPtr = (qtype == TYPE_PTR || qtype == TYPE_ANY) && qclass == CLASS_IN;
      return buildReply(in, offset, ip, dns, flags, questionEnd - dns, answerPtr ? 1 : 0, 0, 0, host,
          state.table.domain, out);
    }
    int bare = stripDomain(state.table.domain, nameLength);
    int address = lookup(state, bare);
    if (address == 0) {
      counters.increment(Counter.DNS_NXDOMAIN);
      return buildReply(in, offset, ip, dns, flags, questionEnd - dns, 0, NXDOMAIN, 0, null, null, out);
    }
    counters.increment(Counter.DNS_ANSWERS);
    boolean answerA = (qtype == TYPE_A || qtype == TYPE_ANY) && qclass == CLASS_IN;
    return buildReply(in, offset, ip, dns, flags, questionEnd - dns, answerA ? 1 : 0, 0, address, null, null, out);
  }

  /**
   * The address that the query name {@code d.c.b.a.in-addr.arpa} asks about (a.b.c.d), or 0 when the
   * name is not four decimal octets in the reverse zone.
   */
  private int reverseAddress(int length) {
    int labels = length - REVERSE_ZONE.length;
    if (labels < 7) {
      return 0;
    }
    for (int k = 0; k < REVERSE_ZONE.length; k++) {
      if (name[labels + k] != REVERSE_ZONE[k]) {
        return 0;
      }
    }
    int address = 0;
    int octets = 0;
    int i = 0;
    while (i < labels) {
      int value = 0;
      int digits = 0;
      while (i < labels && name[i] != '.') {
        byte c = name[i++];
        if (c < '0' || c > '9' || ++digits > 3) {
          return 0;
        }
        value = value * 10 + (c - '0');
      }
      if (digits == 0 || value > 255 || octets == 4) {
        return 0;
      }
      // The first label is the address's last octet.
      address |= value << (8 * octets++);
      i++;
    }
    return octets == 4 ? address : 0;
  }

  /** The name the network gives {@code address}: a record's, a reservation's or a lease's host name; null for none. */
  private static byte[] nameAt(NetworkState state, int address) {
    NetworkTable table = state.table;
    for (int r = 0; r < table.recordAddress.length; r++) {
      if (table.recordAddress[r] == address) {
        return table.recordName[r];
      }
    }
    for (int r = 0; r < table.reservedAddress.length; r++) {
      if (table.reservedAddress[r] == address && table.reservedName[r].length > 0) {
        return table.reservedName[r];
      }
    }
    return state.leaseNameAt(address);
  }

  /** Bytes of {@code host.domain} as labels, or more than {@link #MAX_WIRE_NAME} when a label is empty or too long. */
  private static int wireLength(byte[] host, byte[] domain) {
    int labels = labelsLength(host);
    return domain.length == 0 ? labels + 1 : labels + labelsLength(domain) + 1;
  }

  private static int labelsLength(byte[] dotted) {
    int length = 0;
    int label = 0;
    for (int k = 0; k <= dotted.length; k++) {
      if (k == dotted.length || dotted[k] == '.') {
        if (label == 0 || label > MAX_LABEL) {
          return MAX_WIRE_NAME + 1;
        }
        length += 1 + label;
        label = 0;
      } else {
        label++;
      }
    }
    return length;
  }

  /** Writes {@code dotted} as length-prefixed labels at {@code p} (checked by {@link #wireLength}); returns the end. */
  private static int putLabels(MutableDirectBuffer out, int p, byte[] dotted) {
    int start = 0;
    for (int k = 0; k <= dotted.length; k++) {
      if (k == dotted.length || dotted[k] == '.') {
        out.putByte(p++, (byte) (k - start));
        out.putBytes(p, dotted, start, k - start);
        p += k - start;
        start = k + 1;
      }
    }
    return p;
  }

  private int stripDomain(byte[] domain, int length) {
    int suffix = domain.length + 1;
    if (length > suffix && name[length - suffix] == '.') {
      for (int k = 0; k < domain.length; k++) {
        if (name[length - domain.length + k] != domain[k]) {
          return length;
        }
      }
      return length - suffix;
    }
    return length;
  }

  private int lookup(NetworkState state, int length) {
    NetworkTable table = state.table;
    for (int r = 0; r < table.recordName.length; r++) {
      if (matches(table.recordName[r], length)) {
        return table.recordAddress[r];
      }
    }
    for (int r = 0; r < table.reservedName.length; r++) {
      if (matches(table.reservedName[r], length)) {
        return table.reservedAddress[r];
      }
    }
    return state.leaseNamed(name, length);
  }

  private boolean matches(byte[] candidate, int length) {
    return NetworkState.sameName(candidate, name, length);
  }

  private int buildReply(DirectBuffer in, int offset, Ipv4Packet ip, int dns, int flags, int questionLength,
      int answers, int rcode, int address, byte[] pointerHost, byte[] pointerDomain, MutableDirectBuffer out) {
    int ipOffset = EthernetFrame.PAYLOAD_OFFSET;
    int udp = ipOffset + Ipv4Packet.MIN_HEADER_LENGTH;
    int o = udp + NetworkServices.UDP_HEADER;
    out.putBytes(o, in, dns, questionLength);
    out.putShort(o + 2, (short) (0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode), ByteOrder.BIG_ENDIAN);
    out.putShort(o + 4, (short) (questionLength > HEADER ? 1 : 0), ByteOrder.BIG_ENDIAN);
    out.putShort(o + 6, (short) answers, ByteOrder.BIG_ENDIAN);
    out.putInt(o + 8, 0);
    int p = o + questionLength;
    if (answers == 1) {
      // One answer, named by a pointer to the question's name: an address, or for a PTR query a name.
      boolean pointer = pointerHost != null;
      out.putShort(p, (short) 0xC00C, ByteOrder.BIG_ENDIAN);
      out.putShort(p + 2, (short) (pointer ? TYPE_PTR : TYPE_A), ByteOrder.BIG_ENDIAN);
      out.putShort(p + 4, (short) CLASS_IN, ByteOrder.BIG_ENDIAN);
      out.putInt(p + 6, TTL_SECONDS, ByteOrder.BIG_ENDIAN);
      int rdata = p + 12;
      int end;
      if (pointer) {
        end = putLabels(out, rdata, pointerHost);
        if (pointerDomain.length > 0) {
          end = putLabels(out, end, pointerDomain);
        }
        out.putByte(end++, (byte) 0);
      } else {
        out.putInt(rdata, address, ByteOrder.BIG_ENDIAN);
        end = rdata + 4;
      }
      out.putShort(p + 10, (short) (end - rdata), ByteOrder.BIG_ENDIAN);
      p = end;
    }
    int udpLength = p - udp;
    int total = Ipv4Packet.MIN_HEADER_LENGTH + udpLength;
    EthernetFrame.writeMacAt(out, EthernetFrame.DESTINATION_OFFSET,
        EthernetFrame.readMac(in, offset + EthernetFrame.SOURCE_OFFSET));
    EthernetFrame.writeMacAt(out, EthernetFrame.SOURCE_OFFSET, NetworkServices.ROUTER_MAC);
    out.putShort(EthernetFrame.ETHER_TYPE_OFFSET, (short) EthernetFrame.ETHER_TYPE_IPV4, ByteOrder.BIG_ENDIAN);
    outIp.wrap(out, ipOffset, total).writeHeader(total, 64, Ipv4Packet.PROTOCOL_UDP, ip.destination(), ip.source());
    int queryUdp = dns - NetworkServices.UDP_HEADER;
    out.putShort(udp, (short) 53, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 2, in.getShort(queryUdp, ByteOrder.BIG_ENDIAN), ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 4, (short) udpLength, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 6, (short) 0);
    return EthernetFrame.HEADER_LENGTH + total;
  }
}
