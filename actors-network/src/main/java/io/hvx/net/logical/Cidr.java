package io.hvx.net.logical;

/** An IPv4 prefix such as 10.0.1.0/24, with the host bits zero. */
public record Cidr(int base, int prefix) {
  public Cidr {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix length must be 0..32: " + prefix);
    }
    if ((base & ~mask(prefix)) != 0) {
      throw new IllegalArgumentException("host bits set in " + Ipv4.format(base) + "/" + prefix);
    }
  }

  /**
   * Parses {@code a.b.c.d/n}; a base with host bits set is refused with the prefix it probably meant.
   *
   * @throws DefinitionException naming what is wrong
   */
  public static Cidr parse(String text) {
    int slash = text == null ? -1 : text.indexOf('/');
    if (slash < 0) {
      throw new DefinitionException("bad CIDR '" + text + "': expected ADDRESS/PREFIX, e.g. 10.0.1.0/24");
    }
    int address = Ipv4.parse(text.substring(0, slash), "CIDR '" + text + "'");
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new DefinitionException("bad CIDR '" + text + "': the prefix length must be a number 0..32");
    }
    if (prefix < 0 || prefix > 32) {
      throw new DefinitionException("bad CIDR '" + text + "': the prefix length must be 0..32");
    }
    if ((address & ~mask(prefix)) != 0) {
      throw new DefinitionException("bad CIDR '" + text + "': host bits are set; did you mean "
          + Ipv4.format(address & mask(prefix)) + "/" + prefix + "?");
    }
    return new Cidr(address, prefix);
  }

  public static int mask(int prefix) {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  public int mask() {
    return mask(prefix);
  }

  public int broadcast() {
    return base | ~mask();
  }

  public boolean contains(int address) {
    return (address & mask()) == base;
  }

  public boolean overlaps(Cidr other) {
    int common = mask(Math.min(prefix, other.prefix));
    return (base & common) == (other.base & common);
  }

  @Override
  public String toString() {
    return Ipv4.format(base) + "/" + prefix;
  }
}
