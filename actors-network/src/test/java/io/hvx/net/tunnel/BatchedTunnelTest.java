package io.hvx.net.tunnel;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.metrics.Counter;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.RecordingSink;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Switches whose threads run their node's driver ({@link EmbeddedAeron#launchInvoked}, as nodes do) send
 * a run's tunnel datagrams together: GSO frames over the smallest overlay MTU, fifteen datagrams each,
 * leave several datagrams per system call, runs of equal ones as one segmented message (UDP GSO), and
 * arrive whole and in order.
 */
class BatchedTunnelTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int NET = 42;
  private static final int FRAMES = 40;
  private static final int GSO_LENGTH = 30_000;
  private static final String A_MAC = "02:00:00:00:00:0a";
  private static final String C_MAC = "02:00:00:00:00:0c";

  @Test
  void gso_frames_over_the_smallest_mtu_leave_several_datagrams_per_system_call_and_arrive_whole_in_order() {
    OverlaySettings smallest = OverlaySettings.defaults().withMtu(OverlaySettings.MIN_MTU);
    byte[] secret = new byte[32];
    List<byte[]> received = new ArrayList<>();
    FrameSink takesGso = new FrameSink() {
      @Override
      public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
        return true;
      }

      @Override
      public boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
        byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        synchronized (received) {
          received.add(bytes);
        }
        return true;
      }
    };
    try (EmbeddedAeron aeronA = EmbeddedAeron.launchInvoked(); EmbeddedAeron aeronB = EmbeddedAeron.launchInvoked();
        HSwitch a = HSwitch.start(1, aeronA, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret), smallest,
            Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE, HSwitch.frugalIdleStrategy());
        HSwitch b = HSwitch.start(2, aeronB, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret), smallest,
            Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE, HSwitch.frugalIdleStrategy())) {
      IngressRing ringA = a.attachLocal(1, NET, new RecordingSink());
      IngressRing ringC = b.attachLocal(1, NET, takesGso);
      a.addPeer(2, b.endpoint());
      b.addPeer(1, a.endpoint());
      Await.until("tunnels connected", WAIT, () -> a.isPeerConnected(2) && b.isPeerConnected(1));
      // GSO frames go only to learned MACs: C announces itself first.
      UnsafeBuffer hello = frame("ff:ff:ff:ff:ff:ff", C_MAC, 1);
      ringC.offer(hello, 0, hello.capacity());
      Await.until("A learned C behind the tunnel", WAIT, () -> a.counters().get(Counter.OVERLAY_RX_FRAMES) == 1);
      long batchesBefore = a.counters().get(Counter.OVERLAY_SEND_BATCHES);
      long datagramsBefore = a.counters().get(Counter.OVERLAY_BATCHED_DATAGRAMS);

      long offload = 1 | 1L << 8 | 1448L << 16 | 34L << 32 | 16L << 48;
      for (int i = 0; i < FRAMES; i++) {
        UnsafeBuffer gso = gsoFrame(i, offload);
        while (!ringA.offerOffloaded(gso, Long.BYTES, GSO_LENGTH)) {
          Thread.onSpinWait();
        }
      }
      Await.until(FRAMES + " GSO frames at C", WAIT, () -> {
        synchronized (received) {
          return received.size() == FRAMES;
        }
      });

      synchronized (received) {
        for (int i = 0; i < FRAMES; i++) {
          byte[] sent = new byte[GSO_LENGTH];
          gsoFrame(i, offload).getBytes(Long.BYTES, sent);
          assertArrayEquals(sent, received.get(i), "GSO frame " + i + " arrives whole and in order");
        }
      }
      long batches = a.counters().get(Counter.OVERLAY_SEND_BATCHES) - batchesBefore;
      long datagrams = a.counters().get(Counter.OVERLAY_BATCHED_DATAGRAMS) - datagramsBefore;
      long segmented = a.counters().get(Counter.OVERLAY_SEGMENTED_SENDS);
      System.out.printf("%d GSO frames of %d bytes over MTU %d: %d datagrams in %d sendmmsg calls (%.1f each),"
          + " %d segmented messages%n", FRAMES, GSO_LENGTH, OverlaySettings.MIN_MTU, datagrams, batches,
          (double) datagrams / batches, segmented);
      assertTrue(segmented >= FRAMES / 2, "runs of equal fragments went as segmented messages: " + segmented);
      assertTrue(datagrams >= FRAMES * (GSO_LENGTH / OverlaySettings.MIN_MTU),
          "every fragment left through the batch: " + datagrams + " datagrams");
      assertTrue(datagrams >= 2 * batches, "several datagrams per system call: " + datagrams + " in " + batches);
      assertEquals(0, a.counters().get(Counter.OVERLAY_REFUSED_DATAGRAMS));
    }
  }

  @Test
  void stray_datagrams_of_any_size_at_the_overlay_port_leave_the_tunnel_working() throws Exception {
    byte[] secret = new byte[32];
    RecordingSink atB = new RecordingSink();
    try (EmbeddedAeron aeronA = EmbeddedAeron.launchInvoked(); EmbeddedAeron aeronB = EmbeddedAeron.launchInvoked();
        HSwitch a = HSwitch.start(1, aeronA, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
            OverlaySettings.defaults(), Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE,
            HSwitch.frugalIdleStrategy());
        HSwitch b = HSwitch.start(2, aeronB, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
            OverlaySettings.defaults(), Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE,
            HSwitch.frugalIdleStrategy());
        DatagramChannel stray = DatagramChannel.open()) {
      IngressRing ringA = a.attachLocal(1, NET, new RecordingSink());
      b.attachLocal(1, NET, atB);
      a.addPeer(2, b.endpoint());
      b.addPeer(1, a.endpoint());
      Await.until("tunnels connected", WAIT, () -> a.isPeerConnected(2) && b.isPeerConnected(1));

      // Empty, one byte, Aeron's largest MTU plus one, the largest UDP datagram, and a run of equal ones
      // (which the reader may get coalesced): none is an Aeron frame of a known session.
      String[] endpoint = b.endpoint().split(":");
      InetSocketAddress toB = new InetSocketAddress(endpoint[0], Integer.parseInt(endpoint[1]));
      Random random = new Random(8);
      for (int length : new int[] {0, 1, 65_505, 65_507, 1400, 1400, 1400, 1400}) {
        byte[] garbage = new byte[length];
        random.nextBytes(garbage);
        stray.send(ByteBuffer.wrap(garbage), toB);
      }
      UnsafeBuffer broadcast = frame("ff:ff:ff:ff:ff:ff", A_MAC, 7);
      Await.until("a frame from A crosses after the stray datagrams", WAIT, () -> {
        ringA.offer(broadcast, 0, broadcast.capacity());
        return atB.sent().stream().anyMatch(sent -> sent.marker() == 7);
      });
      assertTrue(b.isPeerConnected(1), "B's tunnel to A is still up");
    }
  }

  private static UnsafeBuffer gsoFrame(int seed, long offload) {
    UnsafeBuffer gso = new UnsafeBuffer(new byte[Long.BYTES + GSO_LENGTH]);
    for (int i = Long.BYTES; i < gso.capacity(); i++) {
      gso.putByte(i, (byte) (i * (seed + 3)));
    }
    gso.putLong(0, offload);
    frame(C_MAC, A_MAC, 0).getBytes(0, gso, Long.BYTES, EthernetFrame.HEADER_LENGTH);
    return gso;
  }
}
