package io.hvx.net.frame;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over a GRE header with the Key field present (RFC 2784, key extension RFC 2890), carrying
 * an Ethernet frame (protocol type 0x6558, Transparent Ethernet Bridging). The key is the logical
 * network id, so one tunnel between two nodes carries every network they share.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C| |K|S| Reserved0       | Ver |    Protocol Type (0x6558)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Key (logical network id)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Ethernet frame ...                           |
 * </pre>
 *
 * <p>Checksum and sequence fields are never set: the AEAD around the GRE packet authenticates it and
 * the tunnel envelope carries the sequence number the replay window checks.
 */
public final class GreHeader {
  public static final int FLAGS_VERSION_OFFSET = 0;
  public static final int PROTOCOL_TYPE_OFFSET = 2;
  public static final int KEY_OFFSET = 4;
  public static final int LENGTH = 8;

  public static final int FLAG_KEY = 0x2000;
  public static final int PROTOCOL_TRANSPARENT_ETHERNET = 0x6558;

  private DirectBuffer buffer;
  private int offset;

  public GreHeader wrap(DirectBuffer buffer, int offset) {
    this.buffer = buffer;
    this.offset = offset;
    return this;
  }

  public int flagsAndVersion() {
    return buffer.getShort(offset + FLAGS_VERSION_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }

  public int protocolType() {
    return buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
  }

  public int key() {
    return buffer.getInt(offset + KEY_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  /** True for exactly the header this overlay writes: only K set, version 0, Ethernet payload. */
  public boolean isKeyedEthernet() {
    return flagsAndVersion() == FLAG_KEY && protocolType() == PROTOCOL_TRANSPARENT_ETHERNET;
  }

  public GreHeader writeKeyedEthernet(int key) {
    MutableDirectBuffer out = (MutableDirectBuffer) buffer;
    out.putShort(offset + FLAGS_VERSION_OFFSET, (short) FLAG_KEY, ByteOrder.BIG_ENDIAN);
    out.putShort(offset + PROTOCOL_TYPE_OFFSET, (short) PROTOCOL_TRANSPARENT_ETHERNET, ByteOrder.BIG_ENDIAN);
    out.putInt(offset + KEY_OFFSET, key, ByteOrder.BIG_ENDIAN);
    return this;
  }
}
