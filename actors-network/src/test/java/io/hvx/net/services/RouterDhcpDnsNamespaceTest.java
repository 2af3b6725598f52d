package io.hvx.net.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counter;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.Matcher;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.testing.TapPorts;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The distributed router, DHCP and DNS on two switches joined by the encrypted tunnel, with Linux
 * namespaces as hosts: busybox udhcpc and nslookup and ping are the clients. Network "blue" has two
 * subnets; network "green" reuses blue's first subnet's addresses and must stay invisible to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterDhcpDnsNamespaceTest {
  private final String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String prefix = "10." + ThreadLocalRandom.current().nextInt(100, 200) + ".";
  private final TapPorts taps = new TapPorts();
  private Netns netns;
  private EmbeddedAeron aeron;
  private HSwitch switchA;
  private HSwitch switchB;
  private NetworkDefinition blue;
  private NetworkDefinition green;
  private String nsA;
  private String nsB;
  private String nsRouted;
  private String nsGreen;
  private String addressA;
  private String addressB;

  @BeforeAll
  void setUp() {
    String reason = Netns.unavailableReason("ip", "ping", "busybox");
    Assumptions.assumeTrue(reason == null, () -> "skipping router/DHCP/DNS namespace test: " + reason);
    netns = new Netns();
    aeron = EmbeddedAeron.launch();
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 7);
    String endpointA = "127.0.0.1:" + Await.freeUdpPort();
    String endpointB = "127.0.0.1:" + Await.freeUdpPort();
    switchA = HSwitch.start(1, aeron.aeron(), endpointA, new PeerKeys(secret));
    switchB = HSwitch.start(2, aeron.aeron(), endpointB, new PeerKeys(secret));
    blue = NetworkDefinition.create("blue", 0, "")
        .withSubnet(prefix + "1.0/24", "", prefix + "1.100", prefix + "1.150")
        .withSubnet(prefix + "2.0/24", "", "", "")
        .withRecord("db", prefix + "2.10");
    green = NetworkDefinition.create("green", 0, "")
        .withSubnet(prefix + "1.0/24", "", prefix + "1.100", prefix + "1.150");
    for (HSwitch hswitch : List.of(switchA, switchB)) {
      hswitch.define(NetworkTable.of(blue));
      hswitch.define(NetworkTable.of(green));
    }
    switchA.addPeer(2, endpointB);
    switchB.addPeer(1, endpointA);
    Await.until("tunnels connected", Duration.ofSeconds(10),
        () -> switchA.isPeerConnected(2) && switchB.isPeerConnected(1));

    nsA = netns.add("hvxdA" + suffix);
    nsB = netns.add("hvxdB" + suffix);
    nsRouted = netns.add("hvxdR" + suffix);
    nsGreen = netns.add("hvxdG" + suffix);
    netns.attachUnconfigured(nsA, attach(switchA, 1, blue.id(), "hvxda" + suffix));
    netns.attachUnconfigured(nsB, attach(switchB, 1, blue.id(), "hvxdb" + suffix));
    netns.attachUnconfigured(nsGreen, attach(switchB, 2, green.id(), "hvxdg" + suffix));
    netns.configure(nsRouted, attach(switchB, 3, blue.id(), "hvxdr" + suffix), prefix + "2.10/24");
    netns.must("ip", "-n", nsRouted, "route", "add", "default", "via", prefix + "2.1");

    addressA = netns.dhcp(nsA, "hvxda" + suffix, "alpha");
    addressB = netns.dhcp(nsB, "hvxdb" + suffix, "beta");
  }

  private String attach(HSwitch hswitch, int portId, int networkId, String name) {
    // With offloads, as nodes open them: DHCP, DNS and routing must work on frames with partial checksums
    // and on 64 KiB GSO frames.
    return taps.attach(hswitch, portId, networkId, name);
  }

  @AfterAll
  void tearDown() {
    if (switchA != null) {
      switchA.close();
    }
    if (switchB != null) {
      switchB.close();
    }
    taps.close();
    if (aeron != null) {
      aeron.close();
    }
    if (netns != null) {
      netns.close();
    }
  }

  @Test
  void udhcpc_gets_distinct_addresses_from_the_range_on_both_nodes() {
    assertTrue(addressA.startsWith(prefix + "1."), addressA);
    assertTrue(addressB.startsWith(prefix + "1."), addressB);
    int hostA = Integer.parseInt(addressA.substring(addressA.lastIndexOf('.') + 1));
    assertTrue(hostA >= 100 && hostA <= 150, addressA);
    assertFalse(addressA.equals(addressB), "two MACs got the same address " + addressA);
    assertTrue(switchA.counters().get(Counter.DHCP_ACKS) >= 1);
    assertTrue(switchB.counters().get(Counter.DHCP_ACKS) >= 1);
  }

  @Test
  void the_gateway_answers_ping_on_every_node() {
    for (String namespace : List.of(nsA, nsB)) {
      Netns.Result ping = netns.exec(namespace, 20, "ping", "-c", "2", "-i", "0.2", "-W", "2", prefix + "1.1");
      assertTrue(ping.ok(), namespace + ": " + ping.output());
    }
  }

  @Test
  void hosts_in_one_subnet_on_two_nodes_ping_each_other() {
    Netns.Result ping = netns.exec(nsA, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", addressB);
    assertTrue(ping.ok(), ping.output());
  }

  @Test
  void the_router_routes_between_subnets_across_nodes() {
    // The first packets may be dropped while the router resolves the destination by ARP on the other node.
    netns.exec(nsA, 10, "ping", "-c", "2", "-i", "0.3", "-W", "1", prefix + "2.10");
    Netns.Result ping = netns.exec(nsA, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", prefix + "2.10");
    assertTrue(ping.ok(), ping.output());
    assertTrue(ping.output().contains("ttl=63"), "one router hop: " + ping.output());
    assertTrue(switchA.counters().get(Counter.ROUTER_ROUTED_FRAMES) >= 3);
  }

  @Test
  void tcp_is_routed_between_subnets_as_gso_frames() throws Exception {
    Assumptions.assumeTrue(Netns.unavailableReason("iperf3") == null,
        () -> "skipping routed iperf3: " + Netns.unavailableReason("iperf3"));
    netns.exec(nsA, 10, "ping", "-c", "2", "-i", "0.3", "-W", "1", prefix + "2.10");
    long routedBefore = switchA.counters().get(Counter.ROUTER_ROUTED_FRAMES);
    Process server = netns.start("ip", "netns", "exec", nsRouted, "iperf3", "-s", "-1", "-B", prefix + "2.10");
    try {
      Thread.sleep(500);
      Netns.Result client = netns.exec(nsA, 30, "iperf3", "-c", prefix + "2.10", "-t", "2", "-f", "m");
      String report = client.output() + "\nA: " + switchA.counters().snapshot() + "\nB: " + switchB.counters().snapshot();
      assertTrue(client.ok(), report);
      Matcher receiver = Pattern.compile("([0-9.]+) Mbits/sec\\s+receiver").matcher(client.output());
      assertTrue(receiver.find(), report);
      assertTrue(Double.parseDouble(receiver.group(1)) > 1.0, report);
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
    String counters = switchA.counters().snapshot().toString();
    assertTrue(switchA.counters().get(Counter.TAP_RX_OFFLOADED_FRAMES) > 0, counters);
    assertTrue(switchA.counters().get(Counter.ROUTER_ROUTED_FRAMES) - routedBefore > 100, counters);
    assertEquals(0, switchA.counters().get(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES), counters);
    assertEquals(0, switchB.counters().get(Counter.TAP_TX_DROPS), switchB.counters().snapshot().toString());
  }

  @Test
  void nslookup_resolves_records_and_dhcp_host_names() {
    Netns.Result record = netns.exec(nsA, 20, "busybox", "nslookup", "db.blue.hvx", prefix + "1.1");
    assertTrue(record.ok() && record.output().contains(prefix + "2.10"), record.output());
    Netns.Result own = netns.exec(nsA, 20, "busybox", "nslookup", "alpha", prefix + "1.1");
    assertTrue(own.ok() && own.output().contains(addressA), own.output());
    Netns.Result unknown = netns.exec(nsA, 20, "busybox", "nslookup", "nobody", prefix + "1.1");
    assertFalse(unknown.ok() && unknown.output().contains("Address: " + prefix), unknown.output());
    assertTrue(switchA.counters().get(Counter.DNS_NXDOMAIN) >= 1);
  }

  @Test
  void nslookup_of_an_address_gives_its_name_under_the_domain() {
    Netns.Result record = netns.exec(nsA, 20, "busybox", "nslookup", prefix + "2.10", prefix + "1.1");
    assertTrue(record.ok() && record.output().contains("name = db.blue.hvx"), record.output());
    // This test's switches do not replicate leases (nodes do, through the cluster): A knows its own.
    Netns.Result leased = netns.exec(nsA, 20, "busybox", "nslookup", addressA, prefix + "1.1");
    assertTrue(leased.ok() && leased.output().contains("name = alpha.blue.hvx"), leased.output());
    long nxBefore = switchA.counters().get(Counter.DNS_NXDOMAIN);
    Netns.Result unknown = netns.exec(nsA, 20, "busybox", "nslookup", prefix + "2.99", prefix + "1.1");
    assertFalse(unknown.output().contains("name ="), unknown.output());
    assertTrue(switchA.counters().get(Counter.DNS_NXDOMAIN) > nxBefore, "the unknown address is an NXDOMAIN");
  }

  @Test
  void a_network_reusing_the_same_addresses_stays_isolated() {
    String greenAddress = netns.dhcp(nsGreen, "hvxdg" + suffix, "gamma");
    assertTrue(greenAddress.startsWith(prefix + "1."), greenAddress);
    // Green's host sees its own gateway, not blue's hosts (which may even share its address).
    assertTrue(netns.exec(nsGreen, 20, "ping", "-c", "1", "-W", "2", prefix + "1.1").ok());
    Netns.Result cross = netns.exec(nsGreen, 20, "ping", "-c", "2", "-i", "0.2", "-W", "1", addressA);
    assertFalse(cross.ok() && !addressA.equals(greenAddress), "green reached blue's " + addressA + ": " + cross.output());
    Netns.Result lookup = netns.exec(nsGreen, 20, "busybox", "nslookup", "alpha", prefix + "1.1");
    assertFalse(lookup.output().contains(addressA) && lookup.ok(), "green's DNS knows blue's host: " + lookup.output());
    Netns.Result reverse = netns.exec(nsGreen, 20, "busybox", "nslookup", addressA, prefix + "1.1");
    assertFalse(reverse.output().contains("alpha"), "green's DNS names blue's host: " + reverse.output());
    assertEquals(0, switchA.counters().get(Counter.OVERLAY_AUTH_FAILED_FRAMES));
  }
}
