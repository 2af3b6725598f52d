package io.hvx.net.metrics;

/** Every counted event of the network module, with a fixed id and a label readable from outside. */
public enum Counter {
  SWITCH_RX_FRAMES(1, "frames received by the switch from any port"),
  SWITCH_RUNT_FRAMES(2, "frames shorter than an Ethernet header (14 bytes)"),
  SWITCH_OVERSIZED_FRAMES(3, "frames longer than 1514 bytes (1500-byte MTU plus header)"),
  SWITCH_MULTICAST_SOURCE_FRAMES(4, "frames whose source MAC is a group address"),
  SWITCH_UNKNOWN_NETWORK_FRAMES(5, "frames for a logical network with no port on this switch"),
  SWITCH_HAIRPIN_FRAMES(6, "unicast frames whose destination was learned on the ingress port"),
  SWITCH_MAC_TABLE_FULL(7, "source MACs not learned because the MAC table was full"),
  SWITCH_FLOODED_FRAMES(8, "frames flooded (broadcast, multicast, unknown unicast)"),
  SWITCH_UNICAST_FRAMES(9, "frames forwarded to one learned port"),
  SWITCH_PORT_TX_DROPS(10, "frames a port could not accept (queue full)"),
  SWITCH_FLOOD_RATE_LIMITED_FRAMES(11, "broadcast, multicast or unknown unicast frames over their port's flood budget"),
  SWITCH_OFFLOAD_UNROUTABLE_FRAMES(12, "GSO frames to the router or to an unlearned MAC (only whole frames can go there)"),
  SWITCH_THREAD_ERRORS(13, "errors the switch thread went on after (the frame it was handling is lost)"),
  OVERLAY_TX_FRAMES(20, "frames sealed and published to a peer"),
  OVERLAY_RX_FRAMES(21, "frames from a peer that passed authentication and replay checks"),
  OVERLAY_MALFORMED_FRAMES(22, "tunnel messages too short, of unknown version or with a bad GRE header"),
  OVERLAY_UNKNOWN_PEER_FRAMES(23, "tunnel messages from a node with no key"),
  OVERLAY_AUTH_FAILED_FRAMES(24, "tunnel messages whose AEAD tag did not verify (forged or corrupted)"),
  OVERLAY_REPLAYED_FRAMES(25, "tunnel messages with a sequence number already seen or left of the window"),
  OVERLAY_BACK_PRESSURED_FRAMES(26, "frames dropped because the peer's publication was back-pressured or down"),
  OVERLAY_RETIRED_SESSION_FRAMES(27, "tunnel messages from an older session of a peer"),
  OVERLAY_SESSION_CHANGES(28, "new sender sessions accepted from peers (a peer restarted)"),
  OVERLAY_BATCHED_DATAGRAMS(29, "tunnel datagrams sent in batches, several per system call"),
  OVERLAY_SEND_BATCHES(30, "system calls (sendmmsg) that sent batched tunnel datagrams"),
  OVERLAY_REFUSED_DATAGRAMS(31, "batched tunnel datagrams the kernel refused (the peer's receiver asks for lost data again)"),
  OVERLAY_SEGMENTED_SENDS(32, "batched messages of several equal tunnel datagrams the kernel cut apart (UDP GSO)"),
  TAP_RX_FRAMES(40, "frames read from TAP devices"),
  TAP_TX_FRAMES(41, "frames written to TAP devices"),
  TAP_TX_DROPS(42, "frames a TAP device refused (queue full or error)"),
  TAP_RX_ERRORS(43, "failed reads from TAP devices"),
  TAP_RX_OFFLOADED_FRAMES(45, "GSO frames (up to 64 KiB, segmented by the receiver) read from TAP devices"),
  SERVICES_MALFORMED_FRAMES(60, "ARP or IPv4 frames to the router that could not be parsed"),
  ROUTER_ARP_REPLIES(61, "ARP requests for a gateway answered by this node's router"),
  ROUTER_ROUTED_FRAMES(62, "IPv4 packets routed between subnets by this node's router"),
  ROUTER_NO_ROUTE(63, "IPv4 packets to the router for an address in no subnet of their network"),
  ROUTER_TTL_EXPIRED(64, "IPv4 packets to the router whose TTL ran out"),
  ROUTER_UNRESOLVED(65, "IPv4 packets dropped while the router resolved their destination by ARP"),
  ROUTER_ARP_REQUESTS(66, "ARP requests the router broadcast to resolve a destination"),
  ROUTER_ARP_REQUESTS_SUPPRESSED(67, "ARP requests the router held back (repeat within 200 ms or over 100/s)"),
  ROUTER_ICMP_REPLIES(68, "pings of a gateway address answered"),
  ROUTER_DROPPED_TO_GATEWAY(69, "packets to a gateway address that no service handles"),
  DHCP_OFFERS(70, "DHCP offers sent"),
  DHCP_ACKS(71, "DHCP acknowledgements sent (leases granted or renewed)"),
  DHCP_NAKS(72, "DHCP requests refused (address not the one this MAC gets)"),
  DHCP_POOL_EXHAUSTED(73, "DHCP discovers with no free address in the range"),
  DHCP_MALFORMED_MESSAGES(74, "DHCP messages that could not be parsed"),
  DHCP_IGNORED_MESSAGES(75, "DHCP messages the server does not act on (inform, or a release or decline of an address the client does not lease)"),
  DHCP_NIC_ADDRESS_REFUSED(76, "fixed VM NIC addresses not leased when their network was defined (outside it or taken)"),
  DHCP_LEASES_EXPIRED(77, "leases that ended without renewal (their addresses returned to the pool)"),
  DHCP_RELEASES(78, "leases their clients released (their addresses returned to the pool on every node)"),
  DHCP_DECLINES(79, "addresses clients declined as in use (held out of the pool for a while on every node)"),
  DNS_ANSWERS(80, "DNS queries answered with a known name"),
  DNS_NXDOMAIN(81, "DNS queries for unknown names"),
  DNS_MALFORMED_QUERIES(82, "DNS queries that could not be parsed");

  private final int id;
  private final String label;

  Counter(int id, String label) {
    this.id = id;
    this.label = label;
  }

  public int id() {
    return id;
  }

  public String label() {
    return label;
  }
}
