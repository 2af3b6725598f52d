package io.hvx.net.services;

/**
 * A VM NIC attached to this node's switch: its MAC in network {@code networkId}, the address its VM
 * definition asks for (0: any, from DHCP) and its hostname (empty: the one its DHCP client sends).
 */
public record Nic(int networkId, long mac, int address, String hostname) {
  public Nic {
    hostname = hostname == null ? "" : hostname.toLowerCase();
  }
}
