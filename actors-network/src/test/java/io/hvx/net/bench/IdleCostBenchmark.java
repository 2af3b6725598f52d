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
 * them; this shows what that polling costs while nothing happens. Needs root for the TAPs.
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
  }
}
