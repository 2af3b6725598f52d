package io.hvx.net.services;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.MacTable;
import io.hvx.net.switching.RingSink;
import io.hvx.net.switching.VPort;
import io.hvx.net.testing.Frames;
import io.hvx.net.testing.RecordingSink;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NetworkServicesTest {
  private static final NetworkDefinition NET = NetworkDefinition.create("blue", 0, "")
      .withSubnet("10.0.1.0/24", "", "10.0.1.100", "10.0.1.199")
      .withSubnet("10.0.2.0/24", "", "", "")
      .withReservation("02:00:00:00:00:55", "10.0.1.55", "fixed");

  private static NetworkState state() {
    return new NetworkState(NetworkTable.of(NET));
  }

  @Test
  void shouldOfferTheSameAddressForAMacOnEveryNodeWithoutAsking() {
    NetworkState nodeA = state();
    NetworkState nodeB = state();
    for (long mac = 0x0200_0000_1000L; mac < 0x0200_0000_1000L + 50; mac++) {
      int a = DhcpServer.choose(nodeA, mac);
      assertEquals(a, DhcpServer.choose(nodeB, mac));
      assertTrue(Integer.compareUnsigned(a, Ipv4.parse("10.0.1.100", "")) >= 0
          && Integer.compareUnsigned(a, Ipv4.parse("10.0.1.199", "")) <= 0, Ipv4.format(a));
    }
    assertEquals(Ipv4.parse("10.0.1.55", ""), DhcpServer.choose(nodeA, MacAddress.parse("02:00:00:00:00:55")));
  }

  @Test
  void shouldSkipAddressesLeasedToOtherMacsAnywhere() {
    NetworkState node = state();
    long first = 0x0200_0000_2000L;
    int taken = DhcpServer.choose(node, first);
    node.recordLease(first, taken, "x");
    // Every other MAC now gets another address, even one whose hash lands on the taken one.
    for (long mac = first + 1; mac < first + 200; mac++) {
      assertNotEquals(taken, DhcpServer.choose(node, mac));
    }
    assertEquals(taken, DhcpServer.choose(node, first));
  }

  @Test
  void shouldAnswerArpForTheGatewayLocallyWithTheRouterMac() {
    Counters counters = new Counters();
    L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters);
    core.services(new NetworkServices(counters, core, null));
    core.services().define(NetworkTable.of(NET));
    RecordingSink host = new RecordingSink();
    RecordingSink tunnel = new RecordingSink();
    core.addPort(VPort.local(1, NET.id(), host));
    core.addPort(VPort.tunnel(600, tunnel));
    UnsafeBuffer request = Frames.arpRequest("02:00:00:00:00:0a", Ipv4.parse("10.0.1.7", ""), Ipv4.parse("10.0.1.1", ""));
    core.onFrame(1, NET.id(), request, 0, request.capacity(), 1);
    assertEquals(1, host.sent().size());
    assertEquals(0, tunnel.sent().size(), "the request for the gateway never leaves the node");
    UnsafeBuffer reply = new UnsafeBuffer(host.sent().get(0).bytes());
    ArpPacket arp = new ArpPacket().wrap(reply, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH);
    assertEquals(ArpPacket.OPERATION_REPLY, arp.operation());
    assertEquals(NetworkServices.ROUTER_MAC, arp.senderHardware());
    assertEquals(Ipv4.parse("10.0.1.1", ""), arp.senderProtocol());
  }

  @Test
  void shouldRouteBetweenSubnetsWithoutAllocatingPerPacket() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot measure thread allocation");
    Counters counters = new Counters();
    L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters, 1_000_000_000L);
    core.services(new NetworkServices(counters, core, null));
    core.services().define(NetworkTable.of(NET));
    RingSink hostA = new RingSink(1 << 16);
    RingSink hostB = new RingSink(1 << 16);
    core.addPort(VPort.local(1, NET.id(), hostA));
    core.addPort(VPort.local(2, NET.id(), hostB));
    // Host B (10.0.2.10) announces itself; then host A sends IPv4 packets to it through the router.
    UnsafeBuffer announce = Frames.arpRequest("02:00:00:00:00:0b", Ipv4.parse("10.0.2.10", ""), Ipv4.parse("10.0.2.1", ""));
    core.onFrame(2, NET.id(), announce, 0, announce.capacity(), 1);
    UnsafeBuffer packet = new UnsafeBuffer(new byte[98]);
    new EthernetFrame().wrap(packet, 0, 98).destination(NetworkServices.ROUTER_MAC)
        .source(MacAddress.parse("02:00:00:00:00:0a")).etherType(EthernetFrame.ETHER_TYPE_IPV4);
    new Ipv4Packet().wrap(packet, EthernetFrame.PAYLOAD_OFFSET, 84).writeHeader(84, 64, Ipv4Packet.PROTOCOL_UDP,
        Ipv4.parse("10.0.1.7", ""), Ipv4.parse("10.0.2.10", ""));
    org.agrona.concurrent.MessageHandler discard = (type, buffer, index, length) -> { };
    int[] delivered = new int[1];
    long macB = MacAddress.parse("02:00:00:00:00:0b");
    org.agrona.concurrent.MessageHandler check = (type, buffer, index, length) -> {
      if (EthernetFrame.readMac(buffer, index) == macB
          && (buffer.getByte(index + EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.TTL_OFFSET) & 0xFF) == 63) {
        delivered[0]++;
      }
    };
    for (int i = 0; i < 100_000; i++) {
      core.onFrame(1, NET.id(), packet, 0, 98, i);
      hostB.drain(discard, Integer.MAX_VALUE);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100_000; i++) {
      core.onFrame(1, NET.id(), packet, 0, 98, i);
      if ((i & 63) == 0) {
        hostB.drain(check, Integer.MAX_VALUE);
      }
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    hostB.drain(check, Integer.MAX_VALUE);
    assertTrue(delivered[0] > 90_000, "routed to B's MAC with TTL 63: " + delivered[0]);
    assertTrue(counters.get(Counter.ROUTER_ROUTED_FRAMES) >= 200_000);
    assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for 100000 routed packets");
  }

  @Test
  void shouldGrantDisjointAddressesOnTwoNodesWhoseLeasesHaveNotReplicatedYet() {
    NetworkState nodeA = state();
    NetworkState nodeB = state();
    java.util.Set<Integer> granted = new java.util.HashSet<>();
    // 50 MACs ask node A and 50 other MACs ask node B; neither node sees the other's leases.
    for (int i = 0; i < 50; i++) {
      long macA = 0x0200_0000_3000L + i;
      long macB = 0x0200_0000_4000L + i;
      int a = DhcpServer.choose(nodeA, macA, 0, 0, 0, 2);
      int b = DhcpServer.choose(nodeB, macB, 0, 0, 1, 2);
      nodeA.recordLease(macA, a, "");
      nodeB.recordLease(macB, b, "");
      assertTrue(granted.add(a), "granted twice: " + Ipv4.format(a));
      assertTrue(granted.add(b), "granted twice: " + Ipv4.format(b));
    }
  }

  @Test
  void shouldReturnAnEndedLeasesAddressToThePoolAndNotOfferItToItsOldHolder() {
    NetworkState node = state();
    long first = 0x0200_0000_5000L;
    int address = DhcpServer.choose(node, first);
    node.recordLease(first, address, "old", 1_000);
    // A MAC whose hash lands on the same address while the lease runs, then after it ended.
    long other = first + 1;
    while (DhcpServer.choose(state(), other) != address) {
      other++;
    }
    assertNotEquals(address, DhcpServer.choose(node, other, 0, 500, 0, 1));
    assertEquals(address, DhcpServer.choose(node, other, 0, 2_000, 0, 1));
    node.recordLease(other, address, "", 10_000);
    assertNotEquals(address, DhcpServer.choose(node, first, 0, 2_000, 0, 1));
    assertEquals(other, node.leaseByAddress.get(address & 0xFFFF_FFFFL));
  }

  private static final int YIADDR = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH + 8 + 16;
  private static final int DISCOVER = 1;
  private static final int REQUEST = 3;
  private static final int DECLINE = 4;
  private static final int RELEASE = 7;

  /** One node's switch with its services, a local port and what its DHCP server told the cluster. */
  private record Node(L2Switch core, Counters counters, RecordingSink host, java.util.List<long[]> leases) {
    static Node start(Duration declineTime) {
      Counters counters = new Counters();
      java.util.List<long[]> leases = new java.util.ArrayList<>();
      L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters);
      core.services(new NetworkServices(counters, core,
          (network, mac, address, hostname, remaining) -> leases.add(new long[] {mac, address, remaining})));
      core.services().define(NetworkTable.of(NET));
      core.services().declineTime(declineTime);
      RecordingSink host = new RecordingSink();
      core.addPort(VPort.local(1, NET.id(), host));
      return new Node(core, counters, host, leases);
    }

    /** Sends one DHCP message; returns the yiaddr of the reply, or 0 when there was none. */
    int send(String mac, int type, int clientAddress, int requested, long now) {
      int before = host.sent().size();
      UnsafeBuffer message = Frames.dhcp(mac, type, clientAddress, clientAddress == 0 ? 0 : Ipv4.parse("10.0.1.1", ""),
          requested);
      core.onFrame(1, NET.id(), message, 0, message.capacity(), now);
      if (host.sent().size() == before) {
        return 0;
      }
      return new UnsafeBuffer(host.sent().get(before).bytes()).getInt(YIADDR, java.nio.ByteOrder.BIG_ENDIAN);
    }

    int lease(String mac, long now) {
      int offered = send(mac, DISCOVER, 0, 0, now);
      assertEquals(offered, send(mac, REQUEST, 0, offered, now), "ACK for the offered address");
      return offered;
    }
  }

  /** A MAC other than {@code mac} to which a fresh node would offer the same address. */
  private static String macHashedTo(int address, long mac) {
    long other = mac + 1;
    while (DhcpServer.choose(state(), other) != address) {
      other++;
    }
    return MacAddress.format(other);
  }

  @Test
  void shouldReturnAReleasedAddressToThePoolAndTellTheCluster() {
    Node node = Node.start(Duration.ofMinutes(10));
    String client = "02:00:00:00:00:0a";
    int address = node.lease(client, 1);
    assertEquals(address, node.core().services().leaseOf(NET.id(), MacAddress.parse(client)));
    String other = macHashedTo(address, MacAddress.parse(client));
    assertNotEquals(address, node.send(other, DISCOVER, 0, 0, 2), "offered while leased");
    node.leases().clear();

    node.send(client, RELEASE, address, 0, 3);
    assertEquals(0, node.core().services().leaseOf(NET.id(), MacAddress.parse(client)));
    assertEquals(1, node.counters().get(Counter.DHCP_RELEASES));
    assertEquals(1, node.leases().size(), "the release is replicated as a lease that ends now");
    assertArrayEquals(new long[] {MacAddress.parse(client), address, 0}, node.leases().get(0));
    assertEquals(address, node.send(other, DISCOVER, 0, 0, 4), "the released address is free at once");

    // Releasing what one does not hold changes nothing.
    node.send(client, RELEASE, address, 0, 5);
    node.send(other, RELEASE, Ipv4.parse("10.0.1.150", ""), 0, 5);
    assertEquals(1, node.counters().get(Counter.DHCP_RELEASES));
    assertTrue(node.counters().get(Counter.DHCP_IGNORED_MESSAGES) >= 2);
    assertEquals(1, node.leases().size());
  }

  @Test
  void shouldEndTheLeaseOfADeletedVmsMacAndTellTheCluster() {
    Node node = Node.start(Duration.ofMinutes(10));
    String client = "02:00:00:00:00:0b";
    int address = node.lease(client, 1);
    node.leases().clear();

    assertEquals(address, node.core().services().releaseLease(NET.id(), MacAddress.parse(client)));
    assertEquals(0, node.core().services().leaseOf(NET.id(), MacAddress.parse(client)));
    assertEquals(1, node.leases().size(), "the end is replicated as a lease that ends now");
    assertArrayEquals(new long[] {MacAddress.parse(client), address, 0}, node.leases().get(0));
    assertEquals(address, node.send(macHashedTo(address, MacAddress.parse(client)), DISCOVER, 0, 0, 2),
        "the address is free at once");
    assertEquals(0, node.core().services().releaseLease(NET.id(), MacAddress.parse(client)), "nothing left to end");
    assertEquals(0, node.core().services().releaseLease(NET.id() + 99, MacAddress.parse(client)), "unknown network");
    assertEquals(1, node.leases().size());
  }

  @Test
  void shouldHoldADeclinedAddressOutOfThePoolOnEveryNodeForTheDeclineTime() {
    Duration hold = Duration.ofSeconds(10);
    Node nodeA = Node.start(hold);
    Node nodeB = Node.start(hold);
    String client = "02:00:00:00:00:0c";
    long now = 1_000;
    int address = nodeA.lease(client, now);
    String other = macHashedTo(address, MacAddress.parse(client));
    nodeA.leases().clear();

    nodeA.send(client, DECLINE, 0, address, now);
    assertEquals(1, nodeA.counters().get(Counter.DHCP_DECLINES));
    assertEquals(0, nodeA.core().services().leaseOf(NET.id(), MacAddress.parse(client)));
    long holder = DhcpServer.declinedHolder(address);
    assertTrue(MacAddress.isGroup(holder));
    assertEquals(2, nodeA.leases().size());
    assertArrayEquals(new long[] {MacAddress.parse(client), address, 0}, nodeA.leases().get(0));
    assertArrayEquals(new long[] {holder, address, hold.toNanos()}, nodeA.leases().get(1));
    // Node B learns both as the lease replicator installs them.
    for (long[] lease : nodeA.leases()) {
      nodeB.core().services().applyLease(NET.id(), lease[0], (int) lease[1], "", now + lease[2]);
    }

    for (Node node : java.util.List.of(nodeA, nodeB)) {
      int offered = node.send(client, DISCOVER, 0, 0, now + 1);
      assertTrue(offered != 0 && offered != address, "the decliner is offered another address");
      assertNotEquals(address, node.send(other, DISCOVER, 0, 0, now + 1), "offered while held");
    }
    long later = now + hold.toNanos() + 1;
    assertEquals(address, nodeA.send(other, DISCOVER, 0, 0, later), "free again after the decline time");
    assertEquals(address, nodeB.send(other, DISCOVER, 0, 0, later), "free again after the decline time");

    // A decline of an address the client does not hold, or of none, is ignored.
    long ignored = nodeA.counters().get(Counter.DHCP_IGNORED_MESSAGES);
    nodeA.send(other, DECLINE, 0, Ipv4.parse("10.0.1.150", ""), later);
    nodeA.send(other, DECLINE, 0, 0, later);
    assertEquals(1, nodeA.counters().get(Counter.DHCP_DECLINES));
    assertEquals(ignored + 2, nodeA.counters().get(Counter.DHCP_IGNORED_MESSAGES));
  }

  @Test
  void shouldNameTheNewestLeaseWhenTwoCarryOneHostNameInEitherArrivalOrder() {
    byte[] web = "web".getBytes(StandardCharsets.US_ASCII);
    int oldAddress = Ipv4.parse("10.0.1.120", "");
    int newAddress = Ipv4.parse("10.0.1.130", "");
    for (boolean oldFirst : new boolean[] {true, false}) {
      NetworkState node = state();
      // a VM deleted and created again under its name: a new MAC, while the old lease runs on
      Runnable old = () -> node.recordLease(0x0200_0000_6001L, oldAddress, "web", 1_000);
      Runnable fresh = () -> node.recordLease(0x0200_0000_6002L, newAddress, "WEB", 5_000);
      (oldFirst ? old : fresh).run();
      (oldFirst ? fresh : old).run();
      assertEquals(newAddress, node.leaseNamed(web, web.length), "old lease recorded first: " + oldFirst);
      node.recordLease(0x0200_0000_6003L, Ipv4.parse("10.0.1.140", ""), "web");
      assertEquals(Ipv4.parse("10.0.1.140", ""), node.leaseNamed(web, web.length), "a fixed address never ends");
      assertEquals(0, node.leaseNamed(web, 2), "a prefix is another name");
    }
  }
}
