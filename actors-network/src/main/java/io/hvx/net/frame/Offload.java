package io.hvx.net.frame;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The segmentation offload of one GSO frame (a TCP segment up to 64 KiB that the receiving kernel or
 * NIC cuts into MTU-sized packets), packed into a long so that it travels beside the frame without an
 * object: flags (8 bits), GSO type (8), segment size (16), checksum start (16), checksum offset (16).
 * It mirrors the virtio-net header that Linux TAP devices put in front of frames (IFF_VNET_HDR);
 * {@link #NONE} is an ordinary frame with a complete checksum.
 */
public final class Offload {
  public static final long NONE = 0;
  /** Length of the virtio-net header (struct virtio_net_hdr) in front of every TAP frame. */
  public static final int VIRTIO_HEADER_LENGTH = 10;
  /** Largest GSO frame: an Ethernet header and a 64 KiB IPv4 or IPv6 packet. */
  public static final int MAX_FRAME_LENGTH = EthernetFrame.HEADER_LENGTH + 65535;
  public static final int NEEDS_CSUM = 1;
  public static final int GSO_NONE = 0;

  private Offload() {}

  public static int flags(long offload) {
    return (int) (offload & 0xFF);
  }

  public static int gsoType(long offload) {
    return (int) ((offload >>> 8) & 0xFF);
  }

  public static int gsoSize(long offload) {
    return (int) ((offload >>> 16) & 0xFFFF);
  }

  public static int checksumStart(long offload) {
    return (int) ((offload >>> 32) & 0xFFFF);
  }

  public static int checksumOffset(long offload) {
    return (int) ((offload >>> 48) & 0xFFFF);
  }

  /** Reads the virtio-net header at {@code offset} (little-endian, as the TAP writes it on x86 and arm64). */
  public static long readVirtioHeader(DirectBuffer buffer, int offset) {
    long flags = buffer.getByte(offset) & 0xFF;
    long gsoType = buffer.getByte(offset + 1) & 0xFF;
    long gsoSize = buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    long start = buffer.getShort(offset + 6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    long csumOffset = buffer.getShort(offset + 8, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    return flags | gsoType << 8 | gsoSize << 16 | start << 32 | csumOffset << 48;
  }

  /**
   * Writes {@code offload} as a virtio-net header at {@code offset}. The header length field stays 0:
   * the kernel derives it from the checksum position, and a peer's value would only be a hint.
   */
  public static void writeVirtioHeader(MutableDirectBuffer buffer, int offset, long offload) {
    buffer.putByte(offset, (byte) flags(offload));
    buffer.putByte(offset + 1, (byte) gsoType(offload));
    buffer.putShort(offset + 2, (short) 0, ByteOrder.LITTLE_ENDIAN);
    buffer.putShort(offset + 4, (short) gsoSize(offload), ByteOrder.LITTLE_ENDIAN);
    buffer.putShort(offset + 6, (short) checksumStart(offload), ByteOrder.LITTLE_ENDIAN);
    buffer.putShort(offset + 8, (short) checksumOffset(offload), ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * Completes a partial checksum in place: the field at start + offset holds the pseudo-header sum, the
   * Internet checksum over the frame from start to its end replaces it. Returns false when the positions
   * lie outside the frame.
   */
  public static boolean completeChecksum(MutableDirectBuffer buffer, int offset, int length, long offload) {
    int start = checksumStart(offload);
    int field = start + checksumOffset(offload);
    if (field + 2 > length) {
      return false;
    }
    long sum = 0;
    int i = offset + start;
    int end = offset + length;
    for (; i + 1 < end; i += 2) {
      sum += buffer.getShort(i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
    if (i < end) {
      sum += (buffer.getByte(i) & 0xFF) << 8;
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    int checksum = (int) (~sum & 0xFFFF);
    // UDP sends a computed 0 as 0xFFFF (0 means "no checksum"); in TCP both are the same value.
    buffer.putShort(offset + field, (short) (checksum == 0 ? 0xFFFF : checksum), ByteOrder.BIG_ENDIAN);
    return true;
  }
}
