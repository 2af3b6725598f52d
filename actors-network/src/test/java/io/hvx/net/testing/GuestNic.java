package io.hvx.net.testing;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The network stack of a pretend VM NIC for tests (it allocates): the switch's egress for the NIC is
 * this sink; it answers ARP requests for its address and pings itself, on the switch thread, and
 * queues every other frame for the test. It speaks DHCP, ARP and ICMP echo through the NIC's ingress ring.
 */
public final class GuestNic implements FrameSink {
  private static final int DHCP_DISCOVER = 1;
  private static final int DHCP_OFFER = 2;
  private static final int DHCP_REQUEST = 3;
  private static final int DHCP_ACK = 5;
  private static final int BOOTP = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH + 8;

  private final long mac;
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  private volatile IngressRing ring;
  private volatile int address;
  private int echoesAnswered;

  public GuestNic(long mac) {
    this.mac = mac;
  }

  public void connect(IngressRing ingress) {
    this.ring = ingress;
  }

  public long mac() {
    return mac;
  }

  public int address() {
    return address;
  }

  public synchronized int echoesAnswered() {
    return echoesAnswered;
  }

  @Override
  public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
    byte[] frame = new byte[length];
    buffer.getBytes(offset, frame);
    UnsafeBuffer in = new UnsafeBuffer(frame);
    int type = in.getShort(EthernetFrame.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    if (type == EthernetFrame.ETHER_TYPE_ARP && address != 0) {
      ArpPacket arp = new ArpPacket().wrap(in, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH);
      if (arp.operation() == ArpPacket.OPERATION_REQUEST && arp.targetProtocol() == address) {
        send(arpFrame(ArpPacket.OPERATION_REPLY, arp.senderHardware(), arp.senderProtocol()));
        return true;
      }
    }
    if (type == EthernetFrame.ETHER_TYPE_IPV4 && address != 0 && isIcmp(in, 8)
        && in.getInt(EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN) == address) {
      send(echoReply(in, length));
      synchronized (this) {
        echoesAnswered++;
      }
      return true;
    }
    received.add(frame);
    return true;
  }

  /** Runs DISCOVER, REQUEST as a DHCP client sending {@code hostname}; returns the address acknowledged. */
  public int dhcp(String hostname, Duration timeout) {
    int xid = (int) System.nanoTime();
    send(dhcpMessage(xid, DHCP_DISCOVER, 0, hostname));
    byte[] offer = await(timeout, f -> dhcpType(f, xid) == DHCP_OFFER, "a DHCP offer");
    int offered = new UnsafeBuffer(offer).getInt(BOOTP + 16, ByteOrder.BIG_ENDIAN);
    send(dhcpMessage(xid, DHCP_REQUEST, offered, hostname));
    byte[] ack = await(timeout, f -> dhcpType(f, xid) == DHCP_ACK, "a DHCP ack");
    address = new UnsafeBuffer(ack).getInt(BOOTP + 16, ByteOrder.BIG_ENDIAN);
    return address;
  }

  /** Resolves {@code target} by ARP; returns its MAC. */
  public long arp(int target, Duration timeout) {
    send(arpFrame(ArpPacket.OPERATION_REQUEST, 0, target));
    byte[] reply = await(timeout, f -> {
      UnsafeBuffer in = new UnsafeBuffer(f);
      if ((in.getShort(EthernetFrame.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) != EthernetFrame.ETHER_TYPE_ARP) {
        return false;
      }
      ArpPacket arp = new ArpPacket().wrap(in, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH);
      return arp.operation() == ArpPacket.OPERATION_REPLY && arp.senderProtocol() == target;
    }, "an ARP reply from " + io.hvx.net.logical.Ipv4.format(target));
    return new ArpPacket().wrap(new UnsafeBuffer(reply), EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH).senderHardware();
  }

  /** Sends one ping to {@code target} at {@code targetMac} and waits for its reply. */
  public void ping(int target, long targetMac, Duration timeout) {
    int length = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + 8 + 32;
    UnsafeBuffer out = new UnsafeBuffer(new byte[length]);
    new EthernetFrame().wrap(out, 0, length).destination(targetMac).source(mac).etherType(EthernetFrame.ETHER_TYPE_IPV4);
    new Ipv4Packet().wrap(out, EthernetFrame.PAYLOAD_OFFSET, length - EthernetFrame.HEADER_LENGTH)
        .writeHeader(length - EthernetFrame.HEADER_LENGTH, 64, Ipv4Packet.PROTOCOL_ICMP, address, target);
    int icmp = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH;
    out.putByte(icmp, (byte) 8);
    out.putShort(icmp + 4, (short) 0x4856, ByteOrder.BIG_ENDIAN);
    out.putShort(icmp + 6, (short) 1, ByteOrder.BIG_ENDIAN);
    out.putShort(icmp + 2, (short) checksum(out, icmp, length - icmp), ByteOrder.BIG_ENDIAN);
    send(out);
    await(timeout, f -> {
      UnsafeBuffer in = new UnsafeBuffer(f);
      return isIcmp(in, 0) && in.getInt(EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN) == target;
    }, "an echo reply from " + io.hvx.net.logical.Ipv4.format(target));
  }

  private byte[] await(Duration timeout, Predicate<byte[]> wanted, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        byte[] frame = left > 0 ? received.poll(left, TimeUnit.NANOSECONDS) : null;
        if (frame == null) {
          throw new AssertionError("no " + what + " reached NIC " + MacAddress.format(mac) + " within " + timeout);
        }
        if (wanted.test(frame)) {
          return frame;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private void send(UnsafeBuffer frame) {
    if (!ring.offer(frame, 0, frame.capacity())) {
      throw new AssertionError("the NIC's ingress ring is full");
    }
  }

  private UnsafeBuffer arpFrame(int operation, long targetMac, int targetIp) {
    UnsafeBuffer out = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH]);
    new EthernetFrame().wrap(out, 0, out.capacity())
        .destination(operation == ArpPacket.OPERATION_REPLY ? targetMac : MacAddress.BROADCAST).source(mac)
        .etherType(EthernetFrame.ETHER_TYPE_ARP);
    new ArpPacket().wrap(out, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH).write(operation, mac, address, targetMac, targetIp);
    return out;
  }

  private UnsafeBuffer echoReply(UnsafeBuffer in, int length) {
    int ip = EthernetFrame.PAYLOAD_OFFSET;
    int total = in.getShort(ip + Ipv4Packet.TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    int headerLength = (in.getByte(ip) & 0x0F) * 4;
    UnsafeBuffer out = new UnsafeBuffer(new byte[ip + total]);
    out.putBytes(0, in, 0, ip + total);
    new EthernetFrame().wrap(out, 0, out.capacity()).destination(EthernetFrame.readMac(in, EthernetFrame.SOURCE_OFFSET))
        .source(mac);
    int source = in.getInt(ip + Ipv4Packet.SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
    new Ipv4Packet().wrap(out, ip, total).writeHeader(total, 64, Ipv4Packet.PROTOCOL_ICMP, address, source);
    if (headerLength != Ipv4Packet.MIN_HEADER_LENGTH) {
      throw new AssertionError("echo request with IP options");
    }
    int icmp = ip + headerLength;
    out.putByte(icmp, (byte) 0);
    out.putShort(icmp + 2, (short) 0);
    out.putShort(icmp + 2, (short) checksum(out, icmp, ip + total - icmp), ByteOrder.BIG_ENDIAN);
    return out;
  }

  private static boolean isIcmp(UnsafeBuffer in, int icmpType) {
    if (in.capacity() < EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH + 8
        || (in.getShort(EthernetFrame.ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) != EthernetFrame.ETHER_TYPE_IPV4
        || (in.getByte(EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.PROTOCOL_OFFSET) & 0xFF) != Ipv4Packet.PROTOCOL_ICMP) {
      return false;
    }
    int headerLength = (in.getByte(EthernetFrame.PAYLOAD_OFFSET) & 0x0F) * 4;
    return (in.getByte(EthernetFrame.PAYLOAD_OFFSET + headerLength) & 0xFF) == icmpType;
  }

  private UnsafeBuffer dhcpMessage(int xid, int type, int requested, String hostname) {
    byte[] name = hostname.getBytes(StandardCharsets.US_ASCII);
    int bootpLength = 240 + 3 + (requested != 0 ? 6 : 0) + 2 + name.length + 1;
    int length = BOOTP + bootpLength;
    UnsafeBuffer out = new UnsafeBuffer(new byte[length]);
    new EthernetFrame().wrap(out, 0, length).destination(MacAddress.BROADCAST).source(mac)
        .etherType(EthernetFrame.ETHER_TYPE_IPV4);
    new Ipv4Packet().wrap(out, EthernetFrame.PAYLOAD_OFFSET, length - EthernetFrame.HEADER_LENGTH)
        .writeHeader(length - EthernetFrame.HEADER_LENGTH, 64, Ipv4Packet.PROTOCOL_UDP, 0, -1);
    int udp = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH;
    out.putShort(udp, (short) 68, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 2, (short) 67, ByteOrder.BIG_ENDIAN);
    out.putShort(udp + 4, (short) (8 + bootpLength), ByteOrder.BIG_ENDIAN);
    out.putByte(BOOTP, (byte) 1);
    out.putByte(BOOTP + 1, (byte) 1);
    out.putByte(BOOTP + 2, (byte) 6);
    out.putInt(BOOTP + 4, xid);
    EthernetFrame.writeMacAt(out, BOOTP + 28, mac);
    out.putInt(BOOTP + 236, 0x63825363, ByteOrder.BIG_ENDIAN);
    int o = BOOTP + 240;
    out.putByte(o++, (byte) 53);
    out.putByte(o++, (byte) 1);
    out.putByte(o++, (byte) type);
    if (requested != 0) {
      out.putByte(o++, (byte) 50);
      out.putByte(o++, (byte) 4);
      out.putInt(o, requested, ByteOrder.BIG_ENDIAN);
      o += 4;
    }
    out.putByte(o++, (byte) 12);
    out.putByte(o++, (byte) name.length);
    out.putBytes(o, name);
    o += name.length;
    out.putByte(o, (byte) 255);
    return out;
  }

  private static int dhcpType(byte[] frame, int xid) {
    UnsafeBuffer in = new UnsafeBuffer(frame);
    if (frame.length < BOOTP + 244 || in.getInt(BOOTP + 4) != xid
        || (in.getByte(EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.PROTOCOL_OFFSET) & 0xFF) != Ipv4Packet.PROTOCOL_UDP) {
      return -1;
    }
    for (int o = BOOTP + 240; o + 2 < frame.length && (frame[o] & 0xFF) != 255; o += 2 + (frame[o + 1] & 0xFF)) {
      if ((frame[o] & 0xFF) == 53) {
        return frame[o + 2] & 0xFF;
      }
    }
    return -1;
  }

  private static int checksum(UnsafeBuffer buffer, int offset, int length) {
    int sum = 0;
    for (int i = 0; i + 1 < length; i += 2) {
      sum += buffer.getShort(offset + i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
    if ((length & 1) != 0) {
      sum += (buffer.getByte(offset + length - 1) & 0xFF) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return ~sum & 0xFFFF;
  }
}
