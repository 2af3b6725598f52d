package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.services.NetworkTable;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.GuestNic;
import io.hvx.net.testing.Netns;
import io.hvx.net.testing.TapPorts;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * VM NIC vPorts: a NIC attached through the switch actor (its egress a test sink, its ingress the ring
 * the actor hands back) gets DHCP, DNS and routing like a TAP port. The peer is Linux in a namespace
 * behind a TAP port of the same switch: busybox udhcpc, ping and nslookup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NicPortNamespaceTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private final String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String prefix = "10." + ThreadLocalRandom.current().nextInt(100, 200) + ".";
  private ActorTestKit testKit;
  private EmbeddedAeron aeron;
  private HSwitch hswitch;
  private ActorRef<HSwitchActor.Command> switchActor;
  private final TapPorts taps = new TapPorts();
  private Netns netns;
  private NetworkDefinition blue;
  private String namespace;
  private String nsAddress;

  @BeforeAll
  void setUp() {
    String reason = Netns.unavailableReason("ip", "ping", "busybox");
    Assumptions.assumeTrue(reason == null, () -> "skipping VM NIC port test: " + reason);
    testKit = ActorTestKit.create();
    aeron = EmbeddedAeron.launch();
    hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(new byte[32]));
    switchActor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");
    blue = NetworkDefinition.create("blue", 0, "")
        .withSubnet(prefix + "1.0/24", "", prefix + "1.100", prefix + "1.150")
        .withSubnet(prefix + "2.0/24", "", "", "");
    hswitch.define(NetworkTable.of(blue));
    netns = new Netns();
    namespace = netns.add("hvxn" + suffix);
    String tap = taps.attach(hswitch, 1, blue.id(), "hvxn" + suffix);
    netns.attachUnconfigured(namespace, tap);
    nsAddress = netns.dhcp(namespace, tap, "linuxhost");
  }

  @AfterAll
  void tearDown() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
    if (hswitch != null) {
      hswitch.close();
    }
    taps.close();
    if (aeron != null) {
      aeron.close();
    }
    if (netns != null) {
      netns.close();
    }
  }

  private HSwitchActor.AttachResult attach(int portId, GuestNic nic, String address, String hostname) {
    TestProbe<HSwitchActor.AttachResult> probe = testKit.createTestProbe();
    switchActor.tell(new HSwitchActor.AttachNic(portId, blue.id(), nic.mac(), address, hostname, nic, probe.ref()));
    HSwitchActor.AttachResult result = probe.receiveMessage(WAIT);
    if (result instanceof HSwitchActor.DeviceAttached attached) {
      nic.connect(attached.ring());
    }
    return result;
  }

  private String nslookup(String name) {
    Netns.Result lookup = netns.exec(namespace, 15, "busybox", "nslookup", name, prefix + "1.1");
    return lookup.output();
  }

  @Test
  void a_nic_gets_a_lease_by_dhcp_and_exchanges_arp_and_pings_with_a_namespace() {
    GuestNic nic = new GuestNic(0x02_00_5e_10_00_01L);
    assertInstanceOf(HSwitchActor.DeviceAttached.class, attach(10, nic, "", "vm-one"));
    int address = nic.dhcp("ignored-by-the-server", WAIT);
    int host = address & 0xFF;
    assertTrue(Ipv4.format(address).startsWith(prefix + "1.") && host >= 100 && host <= 150, Ipv4.format(address));

    // The guest resolves and pings Linux, and the gateway (the distributed router).
    int linux = Ipv4.parse(nsAddress, "");
    long linuxMac = nic.arp(linux, WAIT);
    nic.ping(linux, linuxMac, WAIT);
    int gateway = Ipv4.parse(prefix + "1.1", "");
    nic.ping(gateway, nic.arp(gateway, WAIT), WAIT);

    // Linux pings the guest (ARP and echo answered by the guest's stack), and resolves its VM name.
    Netns.Result ping = netns.exec(namespace, 20, "ping", "-c", "2", "-i", "0.2", "-W", "2", Ipv4.format(address));
    assertTrue(ping.ok(), ping.output());
    assertTrue(nic.echoesAnswered() >= 2);
    String lookup = nslookup("vm-one");
    assertTrue(lookup.contains(Ipv4.format(address)), lookup);

    switchActor.tell(new HSwitchActor.DetachNic(10));
    Await.until("NIC port detached", WAIT, () -> hswitch.counters().get(io.hvx.net.metrics.Counter.SWITCH_RX_FRAMES) > 0
        && !netns.exec(namespace, 5, "ping", "-c", "1", "-W", "1", Ipv4.format(address)).ok());
  }

  @Test
  void a_nic_with_a_fixed_address_is_named_and_routed_before_it_asks_and_gets_that_address() {
    GuestNic nic = new GuestNic(0x02_00_5e_10_00_02L);
    String fixed = prefix + "2.77";
    HSwitchActor.AttachResult first = attach(11, nic, fixed, "vm-two");
    assertInstanceOf(HSwitchActor.DeviceAttached.class, first, first::toString);
    // DNS and the router know it at once, from its registration.
    String lookup = nslookup("vm-two");
    assertTrue(lookup.contains(fixed), lookup);
    String reverse = nslookup(fixed);
    assertTrue(reverse.contains("name = vm-two."), reverse);

    assertEquals(fixed, Ipv4.format(nic.dhcp("vm-two", WAIT)));
    // Linux reaches it through the router (another subnet): the router resolves it by ARP and routes.
    netns.exec(namespace, 10, "ping", "-c", "2", "-i", "0.3", "-W", "1", fixed);
    Netns.Result ping = netns.exec(namespace, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", fixed);
    assertTrue(ping.ok(), ping.output());

    // A second NIC asking for the same address, or for the gateway's, is refused with the reason.
    HSwitchActor.AttachFailed taken = assertInstanceOf(HSwitchActor.AttachFailed.class,
        attach(12, new GuestNic(0x02_00_5e_10_00_03L), fixed, ""));
    assertTrue(taken.reason().contains("leased to " + MacAddress.format(nic.mac())), taken.reason());
    HSwitchActor.AttachFailed gateway = assertInstanceOf(HSwitchActor.AttachFailed.class,
        attach(12, new GuestNic(0x02_00_5e_10_00_03L), prefix + "1.1", ""));
    assertTrue(gateway.reason().contains("gateway"), gateway.reason());
    HSwitchActor.AttachFailed outside = assertInstanceOf(HSwitchActor.AttachFailed.class,
        attach(12, new GuestNic(0x02_00_5e_10_00_03L), "192.0.2.1", ""));
    assertTrue(outside.reason().contains("no subnet"), outside.reason());

    // Detached, its name and address are released: another NIC may take the address.
    switchActor.tell(new HSwitchActor.DetachNic(11));
    Await.until("vm-two forgotten by DNS", WAIT, () -> !nslookup("vm-two").contains(fixed));
    HSwitchActor.AttachResult again = attach(12, new GuestNic(0x02_00_5e_10_00_03L), fixed, "");
    assertInstanceOf(HSwitchActor.DeviceAttached.class, again, again::toString);
    switchActor.tell(new HSwitchActor.DetachNic(12));
  }
}
