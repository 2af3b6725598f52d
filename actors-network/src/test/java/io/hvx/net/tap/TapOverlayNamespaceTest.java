package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.metrics.Counter;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.testing.RecordingSink;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two network namespaces, each behind a TAP vPort of its own hSwitch; the two switches are joined by
 * the encrypted Aeron tunnel on loopback. Linux's own stack on both ends is the peer.
 */
class TapOverlayNamespaceTest {
  private static final int NET = 5001;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String subnet = "10.231." + ThreadLocalRandom.current().nextInt(1, 250);
  private final String addressB = subnet + ".2";
  private Netns netns;
  private EmbeddedAeron aeron;
  private HSwitch switchA;
  private HSwitch switchB;
  private TapPort tapA;
  private TapPort tapB;
  private TapPort offloadA;
  private TapPort offloadB;
  private String nsA;
  private String nsB;

  @BeforeEach
  void setUp() {
    String reason = Netns.unavailableReason("ip", "ping");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP namespace test: " + reason);
    netns = new Netns();
    nsA = netns.add("hvxA" + suffix);
    nsB = netns.add("hvxB" + suffix);
    aeron = EmbeddedAeron.launch();
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 3);
    String endpointA = "127.0.0.1:" + Await.freeUdpPort();
    String endpointB = "127.0.0.1:" + Await.freeUdpPort();
    switchA = HSwitch.start(1, aeron.aeron(), endpointA, new PeerKeys(secret));
    switchB = HSwitch.start(2, aeron.aeron(), endpointB, new PeerKeys(secret));

    tapA = new TapPort(TapDevice.open("hvxa" + suffix), switchA.counters());
    tapB = new TapPort(TapDevice.open("hvxb" + suffix), switchB.counters());
    netns.configure(nsA, tapA.device().name(), subnet + ".1/24");
    netns.configure(nsB, tapB.device().name(), addressB + "/24");
    switchA.attachTap(1, NET, tapA);
    switchB.attachTap(1, NET, tapB);
    switchA.addPeer(2, endpointB);
    switchB.addPeer(1, endpointA);
    Await.until("tunnels connected", WAIT, () -> switchA.isPeerConnected(2) && switchB.isPeerConnected(1));
  }

  @AfterEach
  void tearDown() {
    // Switches first: their data-plane threads write to the TAPs, which must outlive them.
    if (switchA != null) {
      switchA.close();
    }
    if (switchB != null) {
      switchB.close();
    }
    if (tapA != null) {
      tapA.close();
    }
    if (tapB != null) {
      tapB.close();
    }
    for (TapPort tap : new TapPort[] {offloadA, offloadB}) {
      if (tap != null) {
        tap.close();
      }
    }
    if (aeron != null) {
      aeron.close();
    }
    if (netns != null) {
      netns.close();
    }
  }

  @Test
  void a_namespace_pings_another_namespace_across_two_switches_through_the_encrypted_tunnel() {
    // Ports of another logical network on both switches: they share the tunnel but not the broadcast domain.
    RecordingSink otherNetworkA = new RecordingSink();
    RecordingSink otherNetworkB = new RecordingSink();
    switchA.attachLocal(2, NET + 1, otherNetworkA);
    switchB.attachLocal(2, NET + 1, otherNetworkB);
    Netns.Result ping = netns.run(30, "ip", "netns", "exec", nsA, "ping", "-c", "3", "-i", "0.2", "-W", "2", addressB);
    System.out.println(ping.output());
    assertTrue(ping.ok(), "ping failed: " + ping.output());
    assertTrue(ping.output().contains("3 received"), ping.output());
    assertTrue(switchB.counters().get(Counter.OVERLAY_RX_FRAMES) >= 4, "ARP request + 3 echo requests crossed");
    assertEquals(0, switchB.counters().get(Counter.OVERLAY_AUTH_FAILED_FRAMES));
    assertTrue(switchA.counters().get(Counter.TAP_TX_FRAMES) >= 4, "ARP reply + 3 echo replies reached A's TAP");
    assertEquals(0, otherNetworkA.sent().size() + otherNetworkB.sent().size(), "nothing leaked into network "
        + (NET + 1));
  }

  @Test
  void iperf3_tcp_runs_between_the_namespaces_through_the_overlay() throws Exception {
    iperf3(nsA, nsB, addressB);
  }

  @Test
  void tcp_crosses_as_64k_gso_frames_between_taps_with_offloads() throws Exception {
    String nsC = netns.add("hvxC" + suffix);
    String nsD = netns.add("hvxD" + suffix);
    String subnetD = "10.230." + ThreadLocalRandom.current().nextInt(1, 250);
    offloadA = new TapPort(TapDevice.open("hvxc" + suffix, true), switchA.counters());
    offloadB = new TapPort(TapDevice.open("hvxd" + suffix, true), switchB.counters());
    netns.configure(nsC, offloadA.device().name(), subnetD + ".1/24");
    netns.configure(nsD, offloadB.device().name(), subnetD + ".2/24");
    switchA.attachTap(3, NET + 2, offloadA);
    switchB.attachTap(3, NET + 2, offloadB);

    Netns.Result ping = netns.run(30, "ip", "netns", "exec", nsC, "ping", "-c", "3", "-i", "0.2", "-W", "2",
        subnetD + ".2");
    assertTrue(ping.output().contains("3 received"), ping.output());
    iperf3(nsC, nsD, subnetD + ".2");

    // The sending kernel handed over TCP frames larger than the 1500-byte MTU, and both ends took them whole.
    assertTrue(switchA.counters().get(Counter.TAP_RX_OFFLOADED_FRAMES) > 0, switchA.counters().snapshot().toString());
    for (HSwitch s : new HSwitch[] {switchA, switchB}) {
      assertEquals(0, s.counters().get(Counter.TAP_TX_DROPS), s.counters().snapshot().toString());
      assertEquals(0, s.counters().get(Counter.TAP_RX_ERRORS), s.counters().snapshot().toString());
      assertEquals(0, s.counters().get(Counter.SWITCH_PORT_TX_DROPS), s.counters().snapshot().toString());
      assertEquals(0, s.counters().get(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES), s.counters().snapshot().toString());
    }
  }

  private void iperf3(String client, String server, String serverAddress) throws Exception {
    Assumptions.assumeTrue(Netns.unavailableReason("iperf3") == null,
        () -> "skipping iperf3 through hSwitch: " + Netns.unavailableReason("iperf3"));
    Process process = netns.start("ip", "netns", "exec", server, "iperf3", "-s", "-1", "-B", serverAddress);
    try {
      Thread.sleep(500);
      Netns.Result clientResult = netns.run(30, "ip", "netns", "exec", client, "iperf3", "-c", serverAddress, "-t", "2",
          "-f", "m");
      System.out.println(clientResult.output());
      assertTrue(clientResult.ok(), "iperf3 failed: " + clientResult.output());
      Matcher receiver = Pattern.compile("([0-9.]+) Mbits/sec\\s+receiver").matcher(clientResult.output());
      assertTrue(receiver.find(), clientResult.output());
      System.out.println("hSwitch iperf3 TCP: " + receiver.group(1) + " Mbit/s");
      assertTrue(Double.parseDouble(receiver.group(1)) > 1.0, "throughput above 1 Mbit/s");
    } finally {
      process.destroy();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
