package io.hvx.net.bench;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.tap.TapDevice;
import io.hvx.net.tap.TapPort;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.net.tunnel.OverlaySettings;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark program (not a test): the CPU an idle node's hSwitch burns with the nodes' frugal idling,
 * with 0, 1, 4 and 16 TAP ports attached (no traffic), as a share of one core, measured from the JVM's
 * CPU time over the given seconds. The switch thread reads TAPs itself, one ppoll per loop over all of
 * them; this shows what that polling costs while nothing happens. Then 2 and 4 idle switches in a full mesh
 * of tunnels, each with its own switch-run driver, as the nodes of a cluster have them: Aeron's heartbeats
 * and status messages keep each driver doing a little work. Needs root for the TAPs.
 *
 * <p>Arguments: [seconds per measurement, default 10].
 */
public final class IdleCostBenchmark {
  private IdleCostBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    String reason = Netns.unavailableReason("ip");
    if (reason != null) {
      System.err.println("cannot run the idle cost benchmark: " + reason);
      System.exit(2);
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    for (int taps : new int[] {0, 1, 4, 16}) {
      List<TapPort> ports = new ArrayList<>();
      // As a node runs it: the switch thread runs the driver (NetworkNode).
      try (EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
          HSwitch hswitch = HSwitch.start(1, aeron, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
              OverlaySettings.defaults(), Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE,
              HSwitch.frugalIdleStrategy())) {
        for (int i = 0; i < taps; i++) {
          TapPort port = new TapPort(TapDevice.open("hvxidle" + i, true), hswitch.counters());
          ports.add(port);
          hswitch.attachTap(i, 1, port);
        }
        Thread.sleep(2_000);
        long cpuBefore = os.getProcessCpuTime();
        long wallBefore = System.nanoTime();
        Thread.sleep(seconds * 1_000L);
        double share = (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
        System.out.printf(Locale.ROOT, "%2d TAP ports: %.1f %% of one core (switch thread running the Aeron driver,"
            + " and the JVM)%n", taps, share * 100);
      } finally {
        ports.forEach(TapPort::close);
      }
    }
    for (int nodes : new int[] {2, 4}) {
      mesh(nodes, seconds, secret, os);
    }
  }

  private static void mesh(int nodes, int seconds, byte[] secret, com.sun.management.OperatingSystemMXBean os)
      throws Exception {
    List<AutoCloseable> open = new ArrayList<>();
    try {
      HSwitch[] switches = new HSwitch[nodes];
      for (int i = 0; i < nodes; i++) {
        EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
        open.add(aeron);
        switches[i] = HSwitch.start(i + 1, aeron, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
            OverlaySettings.defaults(), Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE,
            HSwitch.frugalIdleStrategy());
        open.add(switches[i]);
      }
      for (int i = 0; i < nodes; i++) {
        for (int j = 0; j < nodes; j++) {
          if (i != j) {
            switches[i].addPeer(j + 1, switches[j].endpoint());
          }
        }
      }
      for (int i = 0; i < nodes; i++) {
        int self = i;
        Await.until("switch " + (i + 1) + " connected to every peer", Duration.ofSeconds(20), () -> {
          for (int j = 0; j < nodes; j++) {
            if (j != self && !switches[self].isPeerConnected(j + 1)) {
              return false;
            }
          }
          return true;
        });
      }
      Thread.sleep(2_000);
      long cpuBefore = os.getProcessCpuTime();
      long wallBefore = System.nanoTime();
      Thread.sleep(seconds * 1_000L);
      double share = (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
      System.out.printf(Locale.ROOT, "%d idle switches in a mesh: %.1f %% of one core, %.1f %% per switch%n", nodes,
          share * 100, share * 100 / nodes);
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
  }
}
