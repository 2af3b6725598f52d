package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.testing.Await;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * A node's switch thread runs its Aeron driver and waits on the driver's UDP sockets with its TAPs, so
 * that tunnel traffic ends a wait at once rather than at its timeout. Real driver, real sockets on
 * loopback; no TAP is needed.
 */
class DriverSocketWaitTest {
  @Test
  void the_driver_lists_each_udp_socket_it_opens_and_forgets_them_when_it_closes() throws Exception {
    int port = Await.freeUdpPort();
    int[] listed;
    EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
    try {
      Subscription subscription = aeron.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, 5);
      ExclusivePublication publication =
          aeron.aeron().addExclusivePublication("aeron:udp?endpoint=127.0.0.1:" + port, 5);
      listed = aeron.sockets().snapshot();
      assertEquals(2, listed.length, "one receiving socket for the subscription, one sending for the publication");
      for (int descriptor : listed) {
        String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + descriptor)).toString();
        assertTrue(target.startsWith("socket:["), "descriptor " + descriptor + " is " + target);
      }
      publication.close();
      subscription.close();
    } finally {
      aeron.close();
    }
    assertEquals(0, aeron.sockets().snapshot().length, "a closed driver leaves no descriptor to wait on");
  }

  @Test
  void a_datagram_on_a_driver_socket_ends_the_wait_before_its_timeout() throws Exception {
    int port = Await.freeUdpPort();
    try (EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
        TapPoller poller = new TapPoller(new EgressBackpressure(), () -> false)) {
      aeron.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, 5);
      poller.wakeOn(aeron.sockets());

      long start = System.nanoTime();
      poller.await(TimeUnit.MILLISECONDS.toNanos(300));
      long quietMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(quietMillis >= 250, "with nothing arriving the wait lasts its timeout, not " + quietMillis + " ms");

      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
          Thread.sleep(200);
          socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, InetAddress.getLoopbackAddress(), port));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      start = System.nanoTime();
      poller.await(TimeUnit.SECONDS.toNanos(30));
      long wokenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      sent.get(10, TimeUnit.SECONDS);
      assertTrue(wokenMillis >= 150 && wokenMillis < 10_000,
          "the wait should end when the datagram arrives (sent after 200 ms), not after " + wokenMillis + " ms");
    }
  }

  @Test
  void without_the_driver_sockets_a_wait_stays_short_so_that_tunnel_traffic_is_polled_soon() {
    try (TapPoller poller = new TapPoller(new EgressBackpressure(), () -> false)) {
      long start = System.nanoTime();
      poller.await(TimeUnit.SECONDS.toNanos(5));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(millis < 1_000, "a wait tunnel traffic cannot end lasted " + millis + " ms of the 5 s asked");
    }
  }

  @Test
  void the_driver_skips_a_socket_the_last_poll_found_empty_and_reads_it_after_the_next_poll() throws Exception {
    int port = Await.freeUdpPort();
    String channel = "aeron:udp?endpoint=127.0.0.1:" + port;
    try (EmbeddedAeron receiving = EmbeddedAeron.launchInvoked();
        EmbeddedAeron sending = EmbeddedAeron.launch();
        TapPoller poller = new TapPoller(new EgressBackpressure(), () -> false)) {
      Subscription subscription = receiving.aeron().addSubscription(channel, 5);
      poller.wakeOn(receiving.sockets());
      ExclusivePublication publication = sending.aeron().addExclusivePublication(channel, 5);
      AtomicInteger received = new AtomicInteger();
      // This thread polls and runs the receiving driver, as a switch thread does.
      Await.until("the publication connects", Duration.ofSeconds(20), () -> {
        poller.poll(null, System.nanoTime());
        receiving.duty().poll(null, System.nanoTime());
        return publication.isConnected() && subscription.imageCount() == 1;
      });

      readUntilEmpty(poller, receiving);
      assertTrue(publication.offer(new UnsafeBuffer(new byte[] {7, 7, 7})) > 0, "offer");
      Thread.sleep(300);
      for (int i = 0; i < 50; i++) {
        receiving.duty().poll(null, System.nanoTime());
        subscription.poll((buffer, offset, length, header) -> received.incrementAndGet(), 10);
      }
      assertEquals(0, received.get(), "after a poll that found the socket empty the driver does not read it");

      // The sending driver has its own thread: on a loaded machine its datagram may come later than 300 ms.
      Await.until("a poll sees the datagram", Duration.ofSeconds(10), () -> {
        poller.poll(null, System.nanoTime());
        return poller.socketsReadable();
      });
      Await.until("the message is delivered", Duration.ofSeconds(10), () -> {
        receiving.duty().poll(null, System.nanoTime());
        subscription.poll((buffer, offset, length, header) -> received.incrementAndGet(), 10);
        return received.get() == 1;
      });

      // Another thread (a control call) running the driver reads every socket whatever this thread's poll found
      // (the last one found them empty, and this thread does not poll again until the message is delivered).
      readUntilEmpty(poller, receiving);
      assertTrue(publication.offer(new UnsafeBuffer(new byte[] {8})) > 0, "offer");
      CompletableFuture.runAsync(() -> Await.until("the second message is delivered", Duration.ofSeconds(10), () -> {
        receiving.duty().poll(null, System.nanoTime());
        subscription.poll((buffer, offset, length, header) -> received.incrementAndGet(), 10);
        return received.get() == 2;
      })).get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void a_poll_soon_after_one_that_found_nothing_leaves_the_kernel_alone() throws Exception {
    int port = Await.freeUdpPort();
    try (EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
        TapPoller poller = new TapPoller(new EgressBackpressure(), () -> false);
        DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      aeron.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, 5);
      poller.wakeOn(aeron.sockets());
      long t = System.nanoTime();
      poller.poll(null, t);
      assertEquals(0, readable(poller), "nothing was sent yet");
      socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, InetAddress.getLoopbackAddress(), port));
      Thread.sleep(200);
      poller.poll(null, t + TapPoller.EMPTY_POLL_GAP_NANOS - 1);
      assertEquals(0, readable(poller), "a poll within the gap after an empty one does not ppoll");
      poller.poll(null, t + TapPoller.EMPTY_POLL_GAP_NANOS);
      assertEquals(1, readable(poller), "after the gap the poll sees the datagram");
      poller.poll(null, t + TapPoller.EMPTY_POLL_GAP_NANOS + 1);
      assertEquals(1, readable(poller), "a poll that found input is followed by another at once");
    }
  }

  /**
   * Polls and runs the driver on this thread until a poll finds the sockets empty: the setup exchange and
   * the heartbeats (every 100 ms) leave datagrams behind.
   */
  private static void readUntilEmpty(TapPoller poller, EmbeddedAeron receiving) {
    Await.until("the sockets are read empty", Duration.ofSeconds(10), () -> {
      poller.poll(null, System.nanoTime());
      boolean empty = !poller.socketsReadable();
      receiving.duty().poll(null, System.nanoTime());
      return empty;
    });
  }

  private static int readable(TapPoller poller) {
    return poller.socketsReadable() ? 1 : 0;
  }
}
