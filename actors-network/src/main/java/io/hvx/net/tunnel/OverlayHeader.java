package io.hvx.net.tunnel;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over the clear header of one overlay message between nodes. The header is authenticated
 * (AEAD associated data); what follows it is the encrypted GRE packet and the 16-byte AEAD tag.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  version (1)  |   reserved    |           reserved            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       sender node id                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                sender session id (64 bits, random)           |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              sequence number (64 bits, from 1)                |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  encrypted: GRE header (8) + offload (8, packed, big-endian)   |
 * |            + Ethernet frame (14..1514, or up to 64 KiB GSO)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 AEAD tag (16 octets)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class OverlayHeader {
  public static final int VERSION_OFFSET = 0;
  public static final int SENDER_OFFSET = 4;
  public static final int SESSION_OFFSET = 8;
  public static final int SEQUENCE_OFFSET = 16;
  public static final int LENGTH = 24;
  public static final int VERSION = 2;
  /** The packed {@link io.hvx.net.frame.Offload} that follows the GRE header inside the ciphertext. */
  public static final int OFFLOAD_LENGTH = 8;

  private MutableDirectBuffer buffer;

  public OverlayHeader wrap(MutableDirectBuffer buffer) {
    this.buffer = buffer;
    return this;
  }

  public int version() {
    return buffer.getByte(VERSION_OFFSET) & 0xFF;
  }

  public int sender() {
    return buffer.getInt(SENDER_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  public long session() {
    return buffer.getLong(SESSION_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  public long sequence() {
    return buffer.getLong(SEQUENCE_OFFSET, ByteOrder.BIG_ENDIAN);
  }

  public OverlayHeader write(int sender, long session, long sequence) {
    buffer.putInt(VERSION_OFFSET, VERSION << 24, ByteOrder.BIG_ENDIAN);
    buffer.putInt(SENDER_OFFSET, sender, ByteOrder.BIG_ENDIAN);
    buffer.putLong(SESSION_OFFSET, session, ByteOrder.BIG_ENDIAN);
    buffer.putLong(SEQUENCE_OFFSET, sequence, ByteOrder.BIG_ENDIAN);
    return this;
  }

  static int version(DirectBuffer buffer, int offset) {
    return buffer.getByte(offset + VERSION_OFFSET) & 0xFF;
  }
}
