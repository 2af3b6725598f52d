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
    int bootpLength = 300;
    int ipLength = Ipv4Packet.MIN_HEADER_LENGTH + 8 + bootpLength;
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ipLength]);
    long mac = MacAddress.parse(sourceMac);
    new EthernetFrame().wrap(buffer, 0, buffer.capacity())
        .destination(serverAddress == 0 ? MacAddress.BROADCAST : 0x02_68_76_78_00_01L)
        .source(mac).etherType(EthernetFrame.ETHER_TYPE_IPV4);
    new Ipv4Packet().wrap(buffer, EthernetFrame.PAYLOAD_OFFSET, ipLength).writeHeader(ipLength, 64,
        Ipv4Packet.PROTOCOL_UDP, clientAddress, serverAddress == 0 ? -1 : serverAddress);
    int udp = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH;
    buffer.putShort(udp, (short) 68, ByteOrder.BIG_ENDIAN);
    buffer.putShort(udp + 2, (short) 67, ByteOrder.BIG_ENDIAN);
    buffer.putShort(udp + 4, (short) (8 + bootpLength), ByteOrder.BIG_ENDIAN);
    int b = udp + 8;
    buffer.putByte(b, (byte) 1);
    buffer.putByte(b + 1, (byte) 1);
    buffer.putByte(b + 2, (byte) 6);
    buffer.putInt(b + 4, 0x1234_5678);
    buffer.putInt(b + 12, clientAddress, ByteOrder.BIG_ENDIAN);
    EthernetFrame.writeMacAt(buffer, b + 28, mac);
    buffer.putInt(b + 236, 0x6382_5363, ByteOrder.BIG_ENDIAN);
    int o = b + 240;
    buffer.putByte(o++, (byte) 53);
    buffer.putByte(o++, (byte) 1);
    buffer.putByte(o++, (byte) type);
    if (requested != 0) {
      buffer.putByte(o++, (byte) 50);
      buffer.putByte(o++, (byte) 4);
      buffer.putInt(o, requested, ByteOrder.BIG_ENDIAN);
      o += 4;
    }
    buffer.putByte(o, (byte) 255);
    return buffer;
  }
}
