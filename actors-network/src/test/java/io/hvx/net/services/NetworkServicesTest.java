package io.hvx.net.services;

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
