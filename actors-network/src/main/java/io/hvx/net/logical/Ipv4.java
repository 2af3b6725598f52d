package io.hvx.net.logical;

/** IPv4 addresses as ints (network order in the int's bits): parsing with named errors, formatting. */
public final class Ipv4 {
  private Ipv4() {}

  /** Parses a dotted quad; {@code what} names the field in the error. */
  public static int parse(String text, String what) {
    String[] parts = text == null ? new String[0] : text.trim().split("\\.", -1);
    if (parts.length != 4) {
      throw new DefinitionException("bad IPv4 address '" + text + "' in " + what + ": expected four numbers a.b.c.d");
    }
    int address = 0;
    for (String part : parts) {
      int octet;
      try {
        octet = part.isEmpty() || part.length() > 3 ? -1 : Integer.parseInt(part);
      } catch (NumberFormatException e) {
        octet = -1;
      }
      if (octet < 0 || octet > 255) {
        throw new DefinitionException("bad IPv4 address '" + text + "' in " + what + ": each number must be 0..255");
      }
      address = (address << 8) | octet;
    }
    return address;
  }

  public static String format(int address) {
    return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
  }
}
