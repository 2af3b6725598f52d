package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The tables {@code hvx net list} and {@code hvx net show} print from the node's JSON. */
final class NetTables {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final long NEVER = Long.MAX_VALUE;

  private NetTables() {}

  /** One line per network: name, id, domain, subnets with their DHCP ranges. */
  static void networks(JsonNode networks, PrintWriter out) {
    String format = "%-16s %10s  %-20s %-7s %-12s %s%n";
    out.printf(format, "NETWORK", "ID", "DOMAIN", "SUBNETS", "RESERVATIONS", "DHCP RANGES");
    for (JsonNode network : networks) {
      StringBuilder ranges = new StringBuilder();
      for (JsonNode subnet : network.path("subnets")) {
        if (!subnet.path("dhcpFirst").asText().isEmpty()) {
          ranges.append(ranges.isEmpty() ? "" : ", ").append(subnet.path("dhcpFirst").asText()).append('-')
              .append(subnet.path("dhcpLast").asText());
        }
      }
      out.printf(format, network.path("name").asText(), network.path("id").asText(), network.path("domain").asText(),
          network.path("subnets").size(), network.path("reservations").size(), ranges.isEmpty() ? "-" : ranges);
    }
  }

  /** One network in full: its subnets, reservations and DNS records. */
  static void network(JsonNode network, PrintWriter out) {
    out.printf("network %s (id %s, domain %s)%n%n", network.path("name").asText(), network.path("id").asText(),
        network.path("domain").asText());
    String subnetFormat = "%-18s %-15s %s%n";
    out.printf(subnetFormat, "SUBNET", "GATEWAY", "DHCP RANGE");
    for (JsonNode subnet : network.path("subnets")) {
      String first = subnet.path("dhcpFirst").asText();
      out.printf(subnetFormat, subnet.path("cidr").asText(), subnet.path("gateway").asText(),
          first.isEmpty() ? "-" : first + "-" + subnet.path("dhcpLast").asText());
    }
    if (!network.path("reservations").isEmpty()) {
      out.println();
      String format = "%-17s  %-15s %s%n";
      out.printf(format, "RESERVED MAC", "ADDRESS", "HOSTNAME");
      for (JsonNode reservation : network.path("reservations")) {
        out.printf(format, reservation.path("mac").asText(), reservation.path("address").asText(),
            dash(reservation.path("hostname").asText()));
      }
    }
    if (!network.path("records").isEmpty()) {
      out.println();
      String format = "%-32s %s%n";
      out.printf(format, "DNS RECORD", "ADDRESS");
      for (JsonNode record : network.path("records")) {
        out.printf(format, record.path("name").asText(), record.path("address").asText());
      }
    }
  }

  /** The DHCP leases, with the name of their network where {@code networks} has it. */
  static void leases(JsonNode networks, JsonNode leases, PrintWriter out) {
    String format = "%-16s %-17s  %-15s %-20s %-11s %s%n";
    out.printf(format, "NETWORK", "LEASED MAC", "ADDRESS", "HOSTNAME", "NODE", "EXPIRES (UTC)");
    for (JsonNode lease : leases) {
      String network = lease.path("networkId").asText();
      for (JsonNode candidate : networks) {
        if (candidate.path("id").asInt() == lease.path("networkId").asInt()) {
          network = candidate.path("name").asText();
        }
      }
      long expiresAt = lease.path("expiresAt").asLong(NEVER);
      out.printf(format, network, lease.path("mac").asText(), lease.path("address").asText(),
          dash(lease.path("hostname").asText()), lease.path("node").asText(),
          expiresAt == NEVER ? "never (fixed)" : TIME.format(Instant.ofEpochMilli(expiresAt)));
    }
  }

  private static String dash(String text) {
    return text.isEmpty() ? "-" : text;
  }
}
