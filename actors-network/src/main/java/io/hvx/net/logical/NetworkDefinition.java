package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;
import io.hvx.net.frame.MacAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * A user-defined logical network: one broadcast domain per subnet, joined by the distributed router,
 * with DHCP reservations and DNS records. Immutable; every change returns a validated copy, and every
 * refusal is a {@link DefinitionException} naming the problem. The id is the GRE key of its frames.
 */
public record NetworkDefinition(String name, int id, String domain, List<SubnetDefinition> subnets,
    List<Reservation> reservations, List<DnsRecord> records) implements ClusterMessage {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?");
  private static final Pattern HOST = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final int SMALLEST_PREFIX = 8;
  private static final int LARGEST_PREFIX = 30;

  public NetworkDefinition {
    subnets = List.copyOf(subnets);
    reservations = List.copyOf(reservations);
    records = List.copyOf(records);
  }

  /** A new network without subnets; {@code id} 0 derives one from the name. */
  public static NetworkDefinition create(String name, int id, String domain) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new DefinitionException("bad network name '" + name + "': use 1-32 lowercase letters, digits or '-'");
    }
    if (id < 0) {
      throw new DefinitionException("bad network id " + id + ": it must be positive (it is the GRE key)");
    }
    String cleanDomain = domain == null || domain.isBlank() ? name + ".hvx" : domain.trim().toLowerCase();
    if (cleanDomain.length() > 200 || !DOMAIN.matcher(cleanDomain).matches()) {
      throw new DefinitionException("bad DNS domain '" + domain + "': use labels of letters, digits and '-' joined by '.'");
    }
    return new NetworkDefinition(name, id == 0 ? idFor(name) : id, cleanDomain, List.of(), List.of(), List.of());
  }

  /** A stable id in 1..2^24 from the name, so that nodes agree on it without coordination. */
  public static int idFor(String name) {
    CRC32 crc = new CRC32();
    crc.update(name.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() & 0xFF_FFFF) + 1;
  }

  /**
   * Adds a subnet; {@code gateway} empty takes the first host address, {@code dhcpFirst}/{@code dhcpLast}
   * empty means no DHCP in it.
   */
  public NetworkDefinition withSubnet(String cidrText, String gatewayText, String dhcpFirstText, String dhcpLastText) {
    Cidr cidr = Cidr.parse(cidrText);
    if (cidr.prefix() < SMALLEST_PREFIX || cidr.prefix() > LARGEST_PREFIX) {
      throw new DefinitionException("subnet " + cidr + ": the prefix length must be " + SMALLEST_PREFIX + ".."
          + LARGEST_PREFIX);
    }
    for (SubnetDefinition existing : subnets) {
      Cidr other = Cidr.parse(existing.cidr());
      if (other.overlaps(cidr)) {
        throw new DefinitionException("subnet " + cidr + " overlaps subnet " + other + " of network '" + name + "'");
      }
    }
    int gateway = blank(gatewayText) ? cidr.base() + 1 : Ipv4.parse(gatewayText, "gateway");
    requireHost(cidr, gateway, "gateway " + Ipv4.format(gateway));
    String first = "";
    String last = "";
    if (!blank(dhcpFirstText) || !blank(dhcpLastText)) {
      if (blank(dhcpFirstText) || blank(dhcpLastText)) {
        throw new DefinitionException("subnet " + cidr + ": give both ends of the DHCP range or neither");
      }
      int low = Ipv4.parse(dhcpFirstText, "DHCP range");
      int high = Ipv4.parse(dhcpLastText, "DHCP range");
      requireHost(cidr, low, "DHCP range start " + Ipv4.format(low));
      requireHost(cidr, high, "DHCP range end " + Ipv4.format(high));
      if (Integer.compareUnsigned(low, high) > 0) {
        throw new DefinitionException("subnet " + cidr + ": the DHCP range " + Ipv4.format(low) + "-" + Ipv4.format(high)
            + " is reversed");
      }
      if (Integer.compareUnsigned(gateway, low) >= 0 && Integer.compareUnsigned(gateway, high) <= 0) {
        throw new DefinitionException("subnet " + cidr + ": the DHCP range must not contain the gateway "
            + Ipv4.format(gateway));
      }
      first = Ipv4.format(low);
      last = Ipv4.format(high);
    }
    List<SubnetDefinition> more = new ArrayList<>(subnets);
    more.add(new SubnetDefinition(cidr.toString(), Ipv4.format(gateway), first, last));
    return new NetworkDefinition(name, id, domain, more, reservations, records);
  }

  /** Gives {@code macText} the fixed address {@code addressText} (and DNS name {@code hostname}, optional). */
  public NetworkDefinition withReservation(String macText, String addressText, String hostname) {
    long mac = parseMac(macText);
    if (MacAddress.isGroup(mac)) {
      throw new DefinitionException("MAC address " + macText + " is a group (multicast) address");
    }
    int address = Ipv4.parse(addressText, "reservation");
    requireInSubnet(address, "reservation " + Ipv4.format(address));
    String host = blank(hostname) ? "" : checkHost(hostname);
    String canonicalMac = MacAddress.format(mac);
    for (Reservation existing : reservations) {
      if (existing.mac().equals(canonicalMac)) {
        throw new DefinitionException("MAC " + canonicalMac + " already has reservation " + existing.address());
      }
      if (existing.address().equals(Ipv4.format(address))) {
        throw new DefinitionException("address " + existing.address() + " is already reserved for " + existing.mac());
      }
    }
    List<Reservation> more = new ArrayList<>(reservations);
    more.add(new Reservation(canonicalMac, Ipv4.format(address), host));
    return new NetworkDefinition(name, id, domain, subnets, more, records);
  }

  /** Adds or replaces the A record {@code recordName}. */
  public NetworkDefinition withRecord(String recordName, String addressText) {
    String host = checkHost(recordName);
    int address = Ipv4.parse(addressText, "DNS record " + host);
    List<DnsRecord> more = new ArrayList<>();
    for (DnsRecord existing : records) {
      if (!existing.name().equals(host)) {
        more.add(existing);
      }
    }
    more.add(new DnsRecord(host, Ipv4.format(address)));
    return new NetworkDefinition(name, id, domain, subnets, reservations, more);
  }

  /**
   * Removes the subnet {@code cidrText}. Refused while reservations lie in it; leases in it end at their
   * next renewal (the client is told no and asks afresh), and its gateway stops answering.
   */
  public NetworkDefinition withoutSubnet(String cidrText) {
    Cidr cidr = Cidr.parse(cidrText);
    List<SubnetDefinition> rest = new ArrayList<>();
    for (SubnetDefinition subnet : subnets) {
      if (!subnet.cidr().equals(cidr.toString())) {
        rest.add(subnet);
      }
    }
    if (rest.size() == subnets.size()) {
      throw DefinitionException.notFound("network '" + name + "' has no subnet " + cidr + " (its subnets: "
          + listed(subnets.stream().map(SubnetDefinition::cidr).toList()) + ")");
    }
    List<String> held = reservations.stream()
        .filter(r -> cidr.contains(Ipv4.parse(r.address(), "reservation")))
        .map(r -> r.mac() + " (" + r.address() + ")")
        .toList();
    if (!held.isEmpty()) {
      throw new DefinitionException("subnet " + cidr + " still holds the reservations of " + String.join(", ", held)
          + ": remove them first (hvx net reserve " + name + " MAC --delete)");
    }
    return new NetworkDefinition(name, id, domain, rest, reservations, records);
  }

  /** Removes the reservation of {@code macText}; the host keeps its address until its lease lapses. */
  public NetworkDefinition withoutReservation(String macText) {
    String canonicalMac = MacAddress.format(parseMac(macText));
    List<Reservation> rest = reservations.stream().filter(r -> !r.mac().equals(canonicalMac)).toList();
    if (rest.size() == reservations.size()) {
      throw DefinitionException.notFound("network '" + name + "' has no reservation for " + canonicalMac
          + " (reserved: " + listed(reservations.stream().map(Reservation::mac).toList()) + ")");
    }
    return new NetworkDefinition(name, id, domain, subnets, rest, records);
  }

  /** Removes the A record {@code recordName}. */
  public NetworkDefinition withoutRecord(String recordName) {
    String host = checkHost(recordName);
    List<DnsRecord> rest = records.stream().filter(r -> !r.name().equals(host)).toList();
    if (rest.size() == records.size()) {
      throw DefinitionException.notFound("network '" + name + "' has no DNS record '" + host + "' (its records: "
          + listed(records.stream().map(DnsRecord::name).toList()) + ")");
    }
    return new NetworkDefinition(name, id, domain, subnets, reservations, rest);
  }

  private static long parseMac(String macText) {
    try {
      return MacAddress.parse(macText == null ? "" : macText.trim());
    } catch (IllegalArgumentException e) {
      throw new DefinitionException("bad MAC address '" + macText + "': expected six hex octets like 02:00:00:00:00:01");
    }
  }

  private static String listed(List<String> names) {
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  private void requireInSubnet(int address, String what) {
    for (SubnetDefinition subnet : subnets) {
      Cidr cidr = Cidr.parse(subnet.cidr());
      if (cidr.contains(address)) {
        requireHost(cidr, address, what);
        if (subnet.gateway().equals(Ipv4.format(address))) {
          throw new DefinitionException(what + " is the gateway of subnet " + cidr);
        }
        return;
      }
    }
    throw new DefinitionException(what + " is in no subnet of network '" + name + "' (add the subnet first)");
  }

  private static void requireHost(Cidr cidr, int address, String what) {
    if (!cidr.contains(address)) {
      throw new DefinitionException(what + " is outside subnet " + cidr);
    }
    if (address == cidr.base() || address == cidr.broadcast()) {
      throw new DefinitionException(what + " is the network or broadcast address of subnet " + cidr);
    }
  }

  private static String checkHost(String hostname) {
    String host = hostname == null ? "" : hostname.trim().toLowerCase();
    if (!HOST.matcher(host).matches()) {
      throw new DefinitionException("bad host name '" + hostname + "': use 1-63 letters, digits or '-'");
    }
    return host;
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }
}
