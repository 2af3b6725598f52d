package io.hvx.net.tunnel;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.switching.IngressRing;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.RecordingSink;
import java.time.Duration;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class OverlaySettingsTest {
  private static final int MIB = 1 << 20;

  @Test
  void the_term_holds_twice_the_receiver_window_as_a_power_of_two_and_at_least_1_mib() {
    assertEquals(MIB, OverlaySettings.termLengthFor(128 << 10));
    assertEquals(MIB, OverlaySettings.termLengthFor(512 << 10));
    assertEquals(2 * MIB, OverlaySettings.termLengthFor(MIB));
    assertEquals(8 * MIB, OverlaySettings.termLengthFor(3 * MIB));
    assertEquals(128 * MIB, OverlaySettings.termLengthFor(64 * MIB));
    OverlaySettings defaults = OverlaySettings.defaults();
    assertEquals(MIB, defaults.receiverWindow());
    assertEquals(2 * MIB, defaults.termLength());
  }

  @Test
  void a_window_outside_128_kib_to_64_mib_is_refused() {
    for (int bad : new int[] {0, 64 << 10, (128 << 10) - 1, 64 * MIB + 1}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> OverlaySettings.defaults().withReceiverWindow(bad));
      assertTrue(e.getMessage().contains("128 KiB to 64 MiB"), e.getMessage());
    }
  }

  @Test
  void the_channel_asks_aeron_for_the_window_its_socket_buffer_and_the_term() {
    String channel = OverlaySettings.defaults().withMtu(8960).withReceiverWindow(16 * MIB).channel("10.0.0.2:4000");
    assertEquals("aeron:udp?endpoint=10.0.0.2:4000|mtu=8960|term-length=" + 32 * MIB + "|rcv-wnd=" + 16 * MIB
        + "|so-rcvbuf=" + 16 * MIB, channel);
  }

  @Test
  void switches_with_a_16_mib_window_exchange_frames() {
    OverlaySettings settings = OverlaySettings.defaults().withReceiverWindow(16 * MIB);
    byte[] secret = new byte[32];
    String endpointA = "127.0.0.1:" + Await.freeUdpPort();
    String endpointB = "127.0.0.1:" + Await.freeUdpPort();
    RecordingSink portB = new RecordingSink();
    Duration wait = Duration.ofSeconds(10);
    try (EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch switchA = HSwitch.start(1, aeron.aeron(), endpointA, new PeerKeys(secret), settings, Duration.ofMinutes(5));
        HSwitch switchB = HSwitch.start(2, aeron.aeron(), endpointB, new PeerKeys(secret), settings, Duration.ofMinutes(5))) {
      IngressRing ringA = switchA.attachLocal(1, 9, new RecordingSink());
      switchB.attachLocal(1, 9, portB);
      switchA.addPeer(2, endpointB);
      switchB.addPeer(1, endpointA);
      Await.until("tunnels connected", wait, () -> switchA.isPeerConnected(2) && switchB.isPeerConnected(1));
      UnsafeBuffer broadcast = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:0a", 5);
      ringA.offer(broadcast, 0, broadcast.capacity());
      Await.until("frame at B", wait, () -> portB.sent().size() == 1);
      assertArrayEquals(broadcast.byteArray(), portB.sent().get(0).bytes());
    }
  }
}
