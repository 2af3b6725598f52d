package io.hvx.net.testing;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/** Builds test frames. */
public final class Frames {
  private Frames() {}

  /** A 60-byte frame (minimum Ethernet payload) with a payload marker byte. */
  public static UnsafeBuffer frame(String destination, String source, int marker) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
    new EthernetFrame().wrap(buffer, 0, 60)
        .destination(MacAddress.parse(destination))
        .source(MacAddress.parse(source))
        .etherType(0x88B5);
    buffer.putByte(EthernetFrame.PAYLOAD_OFFSET, (byte) marker);
    return buffer;
  }

  public static UnsafeBuffer arpRequest(String sourceMac, int senderIp, int targetIp) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH]);
    long mac = MacAddress.parse(sourceMac);
    new EthernetFrame().wrap(buffer, 0, buffer.capacity())
        .destination(MacAddress.BROADCAST).source(mac).etherType(EthernetFrame.ETHER_TYPE_ARP);
    new ArpPacket().wrap(buffer, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH)
        .write(ArpPacket.OPERATION_REQUEST, mac, senderIp, 0, targetIp);
    return buffer;
  }

  /**
   * A DHCP message from a client (RFC 2131) of {@code type} (option 53), from {@code clientAddress}
   * (also ciaddr; 0 for none) to {@code serverAddress} (broadcast when 0), with option 50 when
   * {@code requested} is not 0.
   */
  public static UnsafeBuffer dhcp(String sourceMac, int type, int clientAddress, int serverAddress, int requested) {
    long mac = MacAddress.parse(sourceMac);
    UnsafeBuffer bootp = new UnsafeBuffer(new byte[300]);
    bootp.putByte(0, (byte) 1);
    bootp.putByte(1, (byte) 1);
    bootp.putByte(2, (byte) 6);
    bootp.putInt(4, 0x1234_5678);
    bootp.putInt(12, clientAddress, ByteOrder.BIG_ENDIAN);
    EthernetFrame.writeMacAt(bootp, 28, mac);
    bootp.putInt(236, 0x6382_5363, ByteOrder.BIG_ENDIAN);
    int o = 240;
    bootp.putByte(o++, (byte) 53);
    bootp.putByte(o++, (byte) 1);
    bootp.putByte(o++, (byte) type);
    if (requested != 0) {
      bootp.putByte(o++, (byte) 50);
      bootp.putByte(o++, (byte) 4);
      bootp.putInt(o, requested, ByteOrder.BIG_ENDIAN);
      o += 4;
    }
    bootp.putByte(o, (byte) 255);
    return udp(mac, serverAddress == 0 ? MacAddress.BROADCAST : 0x02_68_76_78_00_01L, clientAddress,
        serverAddress == 0 ? -1 : serverAddress, 68, 67, bootp.byteArray());
  }

  /** An IPv4 packet of {@code protocol} carrying {@code payload}, in a frame of exactly its size. */
  public static UnsafeBuffer ipv4(long sourceMac, long destinationMac, int source, int destination, int protocol,
      byte[] payload) {
    int ipLength = Ipv4Packet.MIN_HEADER_LENGTH + payload.length;
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ipLength]);
    new EthernetFrame().wrap(buffer, 0, buffer.capacity())
        .destination(destinationMac).source(sourceMac).etherType(EthernetFrame.ETHER_TYPE_IPV4);
    new Ipv4Packet().wrap(buffer, EthernetFrame.PAYLOAD_OFFSET, ipLength)
        .writeHeader(ipLength, 64, protocol, source, destination);
    buffer.putBytes(EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH, payload);
    return buffer;
  }

  /** A UDP datagram (no checksum) from {@code sourcePort} to {@code destinationPort} carrying {@code payload}. */
  public static UnsafeBuffer udp(long sourceMac, long destinationMac, int source, int destination, int sourcePort,
      int destinationPort, byte[] payload) {
    UnsafeBuffer udp = new UnsafeBuffer(new byte[8 + payload.length]);
    udp.putShort(0, (short) sourcePort, ByteOrder.BIG_ENDIAN);
    udp.putShort(2, (short) destinationPort, ByteOrder.BIG_ENDIAN);
    udp.putShort(4, (short) udp.capacity(), ByteOrder.BIG_ENDIAN);
    udp.putBytes(8, payload);
    return ipv4(sourceMac, destinationMac, source, destination, Ipv4Packet.PROTOCOL_UDP, udp.byteArray());
  }
}
