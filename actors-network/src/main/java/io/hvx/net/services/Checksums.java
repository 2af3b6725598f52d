package io.hvx.net.services;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;

/** The Internet checksum (RFC 1071) over a buffer range. */
final class Checksums {
  private Checksums() {}

  static int internet(DirectBuffer buffer, int offset, int length) {
    long sum = 0;
    int i = offset;
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
    return (int) (~sum & 0xFFFF);
  }
}
