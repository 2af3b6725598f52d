package io.hvx.net;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.switching.IngressRing;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.RecordingSink;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.net.tunnel.OverlaySettings;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A node's switch thread, idle in a wait far longer than any test, is woken by what other threads queue
 * for it: a VM NIC's frame and a control change. Real switch, real invoked Aeron driver, no TAP.
 */
class SwitchWakeTest {
  private static final int NET = 4;
  private static final long HALF_MINUTE = TimeUnit.SECONDS.toNanos(30);

  private static HSwitch start(EmbeddedAeron aeron) {
    // Every wait lasts 30 s unless something ends it: only the doorbell can end it here.
    var idle = new WaitingBackoffIdleStrategy(0, 0, 0, HALF_MINUTE, HALF_MINUTE, 1, HALF_MINUTE);
    return HSwitch.start(1, aeron, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(new byte[32]),
        OverlaySettings.defaults(), Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE, idle);
  }

  @Test
  void a_control_change_and_a_vm_nic_frame_each_end_the_idle_switch_threads_wait() throws Exception {
    try (EmbeddedAeron aeron = EmbeddedAeron.launchInvoked(); HSwitch hswitch = start(aeron)) {
      Thread.sleep(300);
      long start = System.nanoTime();
      IngressRing ring = hswitch.attachLocal(1, NET, new RecordingSink());
      RecordingSink other = new RecordingSink();
      hswitch.attachLocal(2, NET, other);
      long attached = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(attached < 10_000, "two control changes took " + attached + " ms");

      Thread.sleep(300);
      UnsafeBuffer broadcast = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", 1);
      start = System.nanoTime();
      assertTrue(ring.offer(broadcast, 0, broadcast.capacity()));
      Await.until("the flooded frame at the other port", Duration.ofSeconds(10), () -> other.sent().size() == 1);
      long delivered = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.println("idle switch: two attaches " + attached + " ms, a NIC frame delivered in " + delivered + " ms");
    }
  }
}
