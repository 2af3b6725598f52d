package io.hvx.net.frame;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over an Ethernet II frame (IEEE 802.3, without preamble and FCS) in a buffer.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 destination MAC (6 octets)                    |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                   source MAC (6 octets)                       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           EtherType           |   payload (46..1500 octets)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * </pre>
 */
public final class EthernetFrame {
  public static final int DESTINATION_OFFSET = 0;
  public static final int SOURCE_OFFSET = 6;
  public static final int ETHER_TYPE_OFFSET = 12;
  public static final int PAYLOAD_OFFSET = 14;
  public static final int HEADER_LENGTH = 14;
  /** Header plus a 1500-byte MTU; FCS is not carried. */
  public static final int MAX_LENGTH = 1514;

  public static final int ETHER_TYPE_IPV4 = 0x0800;
  public static final int ETHER_TYPE_ARP = 0x0806;

  private DirectBuffer buffer;
  private int offset;
  private int length;

  public EthernetFrame wrap(DirectBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  public int offset() {
    return offset;
  }

  public int length() {
    return length;
  }

  public long destination() {
    return readMac(buffer, offset + DESTINATION_OFFSET);
  }

  public long source() {
    return readMac(buffer, offset + SOURCE_OFFSET);
  }

  public int etherType() {
    return buffer.getShort(offset + ETHER_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }

  public int payloadOffset() {
    return offset + PAYLOAD_OFFSET;
  }

  public int payloadLength() {
    return length - HEADER_LENGTH;
  }

  public EthernetFrame destination(long mac) {
    writeMac(mutable(), offset + DESTINATION_OFFSET, mac);
    return this;
  }

  public EthernetFrame source(long mac) {
    writeMac(mutable(), offset + SOURCE_OFFSET, mac);
    return this;
  }

  public EthernetFrame etherType(int type) {
    mutable().putShort(offset + ETHER_TYPE_OFFSET, (short) type, ByteOrder.BIG_ENDIAN);
    return this;
  }

  private MutableDirectBuffer mutable() {
    return (MutableDirectBuffer) buffer;
  }

  /** Reads a MAC at {@code index} without a flyweight, for the switch's hot path. */
  public static long readMac(DirectBuffer buffer, int index) {
    long high = buffer.getShort(index, ByteOrder.BIG_ENDIAN) & 0xFFFFL;
    long low = buffer.getInt(index + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL;
    return (high << 32) | low;
  }

  /** Writes a MAC at {@code index} without a flyweight. */
  public static void writeMacAt(MutableDirectBuffer buffer, int index, long mac) {
    writeMac(buffer, index, mac);
  }

  static void writeMac(MutableDirectBuffer buffer, int index, long mac) {
    buffer.putShort(index, (short) (mac >>> 32), ByteOrder.BIG_ENDIAN);
    buffer.putInt(index + 2, (int) mac, ByteOrder.BIG_ENDIAN);
  }
}
