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
    tapA.start(sink -> switchA.attachLocal(1, NET, sink));
    tapB.start(sink -> switchB.attachLocal(1, NET, sink));
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
    Assumptions.assumeTrue(Netns.unavailableReason("iperf3") == null,
        () -> "skipping iperf3 through hSwitch: " + Netns.unavailableReason("iperf3"));
    Process server = netns.start("ip", "netns", "exec", nsB, "iperf3", "-s", "-1", "-B", addressB);
    try {
      Thread.sleep(500);
      Netns.Result client = netns.run(30, "ip", "netns", "exec", nsA, "iperf3", "-c", addressB, "-t", "2", "-f", "m");
      System.out.println(client.output());
      assertTrue(client.ok(), "iperf3 failed: " + client.output());
      Matcher receiver = Pattern.compile("([0-9.]+) Mbits/sec\\s+receiver").matcher(client.output());
      assertTrue(receiver.find(), client.output());
      System.out.println("hSwitch iperf3 TCP: " + receiver.group(1) + " Mbit/s");
      assertTrue(Double.parseDouble(receiver.group(1)) > 1.0, "throughput above 1 Mbit/s");
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
