package io.hvx.net.frame;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over an ARP packet for IPv4 over Ethernet (RFC 826), the payload of an Ethernet frame.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     hardware type (1)         |     protocol type (0x0800)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  hw len (6)   | proto len (4) |  operation (1 request, 2 reply)|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               sender hardware address (6 octets)              |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |  sender protocol address      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  (cont.)                      |  target hardware address      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               (6 octets)                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  target protocol address                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpPacket {
  public static final int HARDWARE_TYPE_OFFSET = 0;
  public static final int PROTOCOL_TYPE_OFFSET = 2;
  public static final int HARDWARE_LENGTH_OFFSET = 4;
  public static final int PROTOCOL_LENGTH_OFFSET = 5;
  public static final int OPERATION_OFFSET = 6;
  public static final int SENDER_HARDWARE_OFFSET = 8;
  public static final int SENDER_PROTOCOL_OFFSET = 14;
  public static final int TARGET_HARDWARE_OFFSET = 18;
  public static final int TARGET_PROTOCOL_OFFSET = 24;
  public static final int LENGTH = 28;

  public static final int HARDWARE_ETHERNET = 1;
  public static final int OPERATION_REQUEST = 1;
  public static final int OPERATION_REPLY = 2;

  private DirectBuffer buffer;
  private int offset;
  private int length;

  public ArpPacket wrap(DirectBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** True when the packet is long enough and describes IPv4 over Ethernet. */
  public boolean isEthernetIpv4() {
    return length >= LENGTH
        && hardwareType() == HARDWARE_ETHERNET
        && protocolType() == EthernetFrame.ETHER_TYPE_IPV4
        && (buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) & 0xFF) == 6
        && (buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) & 0xFF) == 4;
  }

  public int hardwareType() {
    return u16(HARDWARE_TYPE_OFFSET);
  }

  public int protocolType() {
    return u16(PROTOCOL_TYPE_OFFSET);
  }

  public int operation() {
    return u16(OPERATION_OFFSET);
  }

  public long senderHardware() {
    return EthernetFrame.readMac(buffer, offset + SENDER_HARDWARE_OFFSET);
  }

  public int senderProtocol() {
    return buffer.getInt(offset + SENDER_PROTOCOL_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  public long targetHardware() {
    return EthernetFrame.readMac(buffer, offset + TARGET_HARDWARE_OFFSET);
  }

  public int targetProtocol() {
    return buffer.getInt(offset + TARGET_PROTOCOL_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  /** Writes a whole IPv4-over-Ethernet ARP packet. */
  public ArpPacket write(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
    MutableDirectBuffer out = (MutableDirectBuffer) buffer;
    out.putShort(offset + HARDWARE_TYPE_OFFSET, (short) HARDWARE_ETHERNET, ByteOrder.BIG_ENDIAN);
    out.putShort(offset + PROTOCOL_TYPE_OFFSET, (short) EthernetFrame.ETHER_TYPE_IPV4, ByteOrder.BIG_ENDIAN);
    out.putByte(offset + HARDWARE_LENGTH_OFFSET, (byte) 6);
    out.putByte(offset + PROTOCOL_LENGTH_OFFSET, (byte) 4);
    out.putShort(offset + OPERATION_OFFSET, (short) operation, ByteOrder.BIG_ENDIAN);
    EthernetFrame.writeMac(out, offset + SENDER_HARDWARE_OFFSET, senderMac);
    out.putInt(offset + SENDER_PROTOCOL_OFFSET, senderIp, ByteOrder.BIG_ENDIAN);
    EthernetFrame.writeMac(out, offset + TARGET_HARDWARE_OFFSET, targetMac);
    out.putInt(offset + TARGET_PROTOCOL_OFFSET, targetIp, ByteOrder.BIG_ENDIAN);
    return this;
  }

  private int u16(int field) {
    return buffer.getShort(offset + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }
}
