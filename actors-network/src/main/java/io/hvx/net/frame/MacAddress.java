package io.hvx.net.frame;

import java.util.HexFormat;

/** MAC addresses as the low 48 bits of a long, so that the data path never allocates for one. */
public final class MacAddress {
  public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  private MacAddress() {}

  /** The I/G bit (least significant bit of the first octet) marks broadcast and multicast. */
  public static boolean isGroup(long mac) {
    return (mac & 0x0100_0000_0000L) != 0;
  }

  public static long parse(String text) {
    String[] parts = text.split(":");
    if (parts.length != 6) {
      throw new IllegalArgumentException("not a MAC address (six hex octets separated by ':'): " + text);
    }
    long mac = 0;
    for (String part : parts) {
      mac = (mac << 8) | HexFormat.fromHexDigits(part);
    }
    return mac;
  }

  public static String format(long mac) {
    StringBuilder text = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      text.append(HexFormat.of().toHexDigits((byte) (mac >>> shift)));
      if (shift > 0) {
        text.append(':');
      }
    }
    return text.toString();
  }
}
