package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.WakeDescriptors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threads that queue input for a switch (VM NICs, control changes) ring its doorbell, an eventfd the
 * switch thread's wait covers with its TAPs and sockets. Real eventfd and ppoll.
 */
class DoorbellWaitTest {
  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void a_ring_from_another_thread_ends_the_wait_and_the_next_wait_lasts_its_timeout() throws Exception {
    try (TapPoller poller = new TapPoller(new EgressBackpressure(), () -> false)) {
      // Driver sockets (none here) make waits as long as asked: only the bell can end this one early.
      poller.wakeOn(new WakeDescriptors());
      CompletableFuture<Void> rung = CompletableFuture.runAsync(() -> {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        poller.doorbell().ring();
      });
      long start = System.nanoTime();
      poller.await(TimeUnit.SECONDS.toNanos(30));
      long woken = millisSince(start);
      rung.get(10, TimeUnit.SECONDS);
      assertTrue(woken >= 150 && woken < 10_000, "the wait should end at the ring (after 200 ms), not after "
          + woken + " ms");

      start = System.nanoTime();
      poller.await(TimeUnit.MILLISECONDS.toNanos(300));
      long quiet = millisSince(start);
      assertTrue(quiet >= 250, "the ring was consumed: the next wait lasts its timeout, not " + quiet + " ms");
    }
  }

  @Test
  void input_queued_before_the_bell_was_armed_skips_the_wait() {
    try (TapPoller poller = new TapPoller(new EgressBackpressure(), () -> true)) {
      poller.wakeOn(new WakeDescriptors());
      long start = System.nanoTime();
      poller.await(TimeUnit.SECONDS.toNanos(30));
      long waited = millisSince(start);
      assertTrue(waited < 5_000, "queued input should skip the wait, which lasted " + waited + " ms");
    }
  }
}
