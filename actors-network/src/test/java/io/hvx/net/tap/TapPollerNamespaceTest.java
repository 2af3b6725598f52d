package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Several TAP ports read by one switch thread: detaching one (the first polled, whose slot the last one
 * takes) leaves the others switching, and the detached one's namespace is cut off.
 */
class TapPollerNamespaceTest {
  private static final int NET = 7;

  @Test
  void detaching_one_tap_port_leaves_the_other_ports_of_the_switch_working() throws Exception {
    String reason = Netns.unavailableReason("ip", "ping");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP poller namespace test: " + reason);
    String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    String subnet = "10.231." + ThreadLocalRandom.current().nextInt(1, 250);
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 3);
    try (Netns netns = new Netns();
        EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret))) {
      TapPort[] taps = new TapPort[3];
      String[] namespaces = new String[3];
      try {
        for (int i = 0; i < 3; i++) {
          taps[i] = new TapPort(TapDevice.open("hvxp" + i + suffix, true), hswitch.counters());
          namespaces[i] = netns.add("hvxP" + i + suffix);
          netns.configure(namespaces[i], taps[i].device().name(), subnet + "." + (i + 1) + "/24");
          hswitch.attachTap(i, NET, taps[i]);
        }
        assertTrue(ping(netns, namespaces[1], subnet + ".3"), "ports 1 and 2 talk before the detach");
        assertTrue(ping(netns, namespaces[0], subnet + ".2"), "port 0 talks before the detach");

        hswitch.detach(0);

        assertTrue(ping(netns, namespaces[1], subnet + ".3"), "ports 1 and 2 still talk");
        assertTrue(ping(netns, namespaces[2], subnet + ".2"), "and the other way");
        assertFalse(ping(netns, namespaces[0], subnet + ".2"), "the detached port is cut off");
      } finally {
        hswitch.close();
        for (TapPort tap : taps) {
          if (tap != null) {
            tap.close();
          }
        }
      }
    }
  }

  private static boolean ping(Netns netns, String namespace, String address) {
    return netns.run(20, "ip", "netns", "exec", namespace, "ping", "-c", "2", "-i", "0.2", "-W", "1", address)
        .output().contains(" 0% packet loss");
  }
}
