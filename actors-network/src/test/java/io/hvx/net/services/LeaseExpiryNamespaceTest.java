package io.hvx.net.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counter;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.testing.TapPorts;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lease time: a DHCP range of one address and a short lease time; two namespaces behind TAP ports
 * of one switch run busybox udhcpc. The second gets the address only once the first's lease has ended
 * without renewal, never while the first keeps renewing it.
 */
class LeaseExpiryNamespaceTest {
  private final String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String prefix = "10." + ThreadLocalRandom.current().nextInt(100, 200) + ".";
  private final TapPorts taps = new TapPorts();
  private Netns netns;
  private EmbeddedAeron aeron;
  private HSwitch hswitch;
  private String nsA;
  private String nsB;
  private String tapA;
  private String tapB;

  @BeforeEach
  void setUp() {
    String reason = Netns.unavailableReason("ip", "busybox");
    Assumptions.assumeTrue(reason == null, () -> "skipping lease expiry namespace test: " + reason);
    netns = new Netns();
    aeron = EmbeddedAeron.launch();
    hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(new byte[32]));
    hswitch.leaseTime(Duration.ofSeconds(3));
    NetworkDefinition net = NetworkDefinition.create("tiny", 0, "")
        .withSubnet(prefix + "1.0/24", "", prefix + "1.100", prefix + "1.100");
    hswitch.define(NetworkTable.of(net));
    nsA = netns.add("hvxeA" + suffix);
    nsB = netns.add("hvxeB" + suffix);
    tapA = taps.attach(hswitch, 1, net.id(), "hvxea" + suffix);
    tapB = taps.attach(hswitch, 2, net.id(), "hvxeb" + suffix);
    netns.attachUnconfigured(nsA, tapA);
    netns.attachUnconfigured(nsB, tapB);
  }

  @AfterEach
  void tearDown() {
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

  /** One udhcpc attempt that quits after the lease (no renewal); null when no address was granted. */
  private String dhcpOnce(String namespace, String device) {
    Netns.Result result = netns.exec(namespace, 20, "busybox", "udhcpc", "-f", "-q", "-n", "-t", "2", "-T", "1",
        "-i", device, "-s", "/bin/true");
    java.util.regex.Matcher lease = java.util.regex.Pattern.compile("lease of (\\S+) obtained").matcher(result.output());
    return result.ok() && lease.find() ? lease.group(1) : null;
  }

  @Test
  void an_address_returns_to_the_pool_when_its_lease_ends_unrenewed() {
    long start = System.nanoTime();
    assertEquals(prefix + "1.100", dhcpOnce(nsA, tapA));
    String second = dhcpOnce(nsB, tapB);
    boolean stillRunning = System.nanoTime() - start < Duration.ofSeconds(3).toNanos();
    if (stillRunning) {
      assertEquals(null, second, "the only address was granted twice while its lease ran");
      assertTrue(hswitch.counters().get(Counter.DHCP_POOL_EXHAUSTED) >= 1);
    }
    Await.until("the second namespace gets the address after the first lease ended", Duration.ofSeconds(15),
        () -> (prefix + "1.100").equals(dhcpOnce(nsB, tapB)));
    assertTrue(System.nanoTime() - start >= Duration.ofSeconds(3).toNanos(), "granted again before the lease ended");
  }

  /** A udhcpc that stays in the foreground on the first namespace's TAP: it binds, renews and releases. */
  private Process leaseKeeper(java.nio.file.Path script) {
    return netns.start("ip", "netns", "exec", nsA, "busybox", "udhcpc", "-f", "-i", tapA, "-s", script.toString(),
        "-t", "3", "-T", "1");
  }

  @Test
  void a_renewed_lease_keeps_its_address() throws Exception {
    // busybox udhcpc takes a lease of at least 16 s and renews at half of it: give it exactly that, and
    // look after the first lease would have ended.
    hswitch.leaseTime(Duration.ofSeconds(16));
    java.nio.file.Path script = Netns.udhcpcScript();
    Process client = leaseKeeper(script);
    try {
      Await.until("the first namespace holds the lease", Duration.ofSeconds(10),
          () -> hswitch.counters().get(Counter.DHCP_ACKS) >= 1);
      Thread.sleep(Duration.ofSeconds(18));
      assertTrue(hswitch.counters().get(Counter.DHCP_ACKS) >= 2, "acks: " + hswitch.counters().get(Counter.DHCP_ACKS)
          + ", naks: " + hswitch.counters().get(Counter.DHCP_NAKS));
      assertEquals(null, dhcpOnce(nsB, tapB), "a renewed lease's address was granted to another MAC");
      assertFalse(hswitch.counters().get(Counter.DHCP_POOL_EXHAUSTED) == 0);
    } finally {
      client.destroy();
      client.waitFor();
      java.nio.file.Files.deleteIfExists(script);
    }
  }

  @Test
  void a_released_address_goes_to_the_next_client_at_once() throws Exception {
    hswitch.leaseTime(Duration.ofHours(1));
    java.nio.file.Path script = Netns.udhcpcScript();
    Process client = leaseKeeper(script);
    try {
      // The client releases only once bound: wait until its script configured the address.
      Await.until("the first namespace holds the lease", Duration.ofSeconds(20),
          () -> hswitch.counters().get(Counter.DHCP_ACKS) >= 1
              && netns.exec(nsA, 5, "ip", "-4", "addr", "show", "dev", tapA).output().contains(prefix + "1.100/"));
      assertEquals(null, dhcpOnce(nsB, tapB), "the only address was granted twice");
      // SIGUSR2: busybox udhcpc releases its lease (and stays, unbound).
      netns.must("kill", "-USR2", Long.toString(client.pid()));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (hswitch.counters().get(Counter.DHCP_RELEASES) == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(1, hswitch.counters().get(Counter.DHCP_RELEASES), () -> "ignored: "
          + hswitch.counters().get(Counter.DHCP_IGNORED_MESSAGES));
      assertEquals(prefix + "1.100", dhcpOnce(nsB, tapB), "the released address of an hour's lease is not free");
    } finally {
      client.destroy();
      client.waitFor();
      java.nio.file.Files.deleteIfExists(script);
    }
  }

  @Test
  void a_declined_address_is_held_out_of_the_pool() {
    hswitch.leaseTime(Duration.ofHours(1));
    // B squats on the range's only address without asking; A's client finds it in use by ARP and declines.
    netns.must("ip", "-n", nsB, "addr", "add", prefix + "1.100/24", "dev", tapB);
    Netns.Result result = netns.exec(nsA, 30, "busybox", "udhcpc", "-f", "-q", "-n", "-a", "-t", "3", "-T", "1",
        "-i", tapA, "-s", "/bin/true");
    assertTrue(result.output().contains("declining") && !result.ok(), result.output());
    assertEquals(1, hswitch.counters().get(Counter.DHCP_DECLINES), result.output());
    assertTrue(hswitch.counters().get(Counter.DHCP_POOL_EXHAUSTED) >= 1,
        "the declined address was offered again: " + result.output());
  }
}
