package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;

/** One subnet of a logical network: its prefix, the distributed router's address in it, its DHCP range. */
public record SubnetDefinition(String cidr, String gateway, String dhcpFirst, String dhcpLast) implements ClusterMessage {
  public boolean hasDhcp() {
    return !dhcpFirst.isEmpty();
  }
}
