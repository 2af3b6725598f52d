package io.hvx.net.frame;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over an IPv4 header (RFC 791), the payload of an Ethernet frame.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv4Packet {
  public static final int VERSION_IHL_OFFSET = 0;
  public static final int TOS_OFFSET = 1;
  public static final int TOTAL_LENGTH_OFFSET = 2;
  public static final int IDENTIFICATION_OFFSET = 4;
  public static final int FLAGS_FRAGMENT_OFFSET = 6;
  public static final int TTL_OFFSET = 8;
  public static final int PROTOCOL_OFFSET = 9;
  public static final int CHECKSUM_OFFSET = 10;
  public static final int SOURCE_OFFSET = 12;
  public static final int DESTINATION_OFFSET = 16;
  public static final int MIN_HEADER_LENGTH = 20;

  public static final int PROTOCOL_ICMP = 1;
  public static final int PROTOCOL_TCP = 6;
  public static final int PROTOCOL_UDP = 17;

  private DirectBuffer buffer;
  private int offset;
  private int length;

  public Ipv4Packet wrap(DirectBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** True when version is 4, the header fits the buffer and total length agrees with it. */
  public boolean isWellFormed() {
    if (length < MIN_HEADER_LENGTH || version() != 4) {
      return false;
    }
    int headerLength = headerLength();
    int total = totalLength();
    return headerLength >= MIN_HEADER_LENGTH && headerLength <= total && total <= length;
  }

  public int version() {
    return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF0) >>> 4;
  }

  public int headerLength() {
    return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0x0F) * 4;
  }

  public int totalLength() {
    return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }

  public int ttl() {
    return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
  }

  public int protocol() {
    return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
  }

  public int checksum() {
    return buffer.getShort(offset + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }

  public int source() {
    return buffer.getInt(offset + SOURCE_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  public int destination() {
    return buffer.getInt(offset + DESTINATION_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  /** The one's-complement sum over the header (RFC 1071); 0 when the stored checksum is right. */
  public int computeChecksum() {
    int sum = 0;
    int end = offset + headerLength();
    for (int i = offset; i < end; i += 2) {
      sum += buffer.getShort(i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return ~sum & 0xFFFF;
  }

  /** Writes a 20-byte header without options and fills its checksum. */
  public Ipv4Packet writeHeader(int totalLength, int ttl, int protocol, int source, int destination) {
    MutableDirectBuffer out = (MutableDirectBuffer) buffer;
    out.putByte(offset + VERSION_IHL_OFFSET, (byte) 0x45);
    out.putByte(offset + TOS_OFFSET, (byte) 0);
    out.putShort(offset + TOTAL_LENGTH_OFFSET, (short) totalLength, ByteOrder.BIG_ENDIAN);
    out.putInt(offset + IDENTIFICATION_OFFSET, 0, ByteOrder.BIG_ENDIAN);
    out.putByte(offset + TTL_OFFSET, (byte) ttl);
    out.putByte(offset + PROTOCOL_OFFSET, (byte) protocol);
    out.putShort(offset + CHECKSUM_OFFSET, (short) 0, ByteOrder.BIG_ENDIAN);
    out.putInt(offset + SOURCE_OFFSET, source, ByteOrder.BIG_ENDIAN);
    out.putInt(offset + DESTINATION_OFFSET, destination, ByteOrder.BIG_ENDIAN);
    out.putShort(offset + CHECKSUM_OFFSET, (short) computeChecksum(), ByteOrder.BIG_ENDIAN);
    return this;
  }

  public static int parseAddress(String dotted) {
    String[] parts = dotted.split("\\.");
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted);
    }
    int address = 0;
    for (String part : parts) {
      int octet = Integer.parseInt(part);
      if (octet < 0 || octet > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + dotted);
      }
      address = (address << 8) | octet;
    }
    return address;
  }
}
