package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Offload;
import io.hvx.net.testing.Netns;
import io.hvx.net.tunnel.OverlaySettings;
import io.hvx.net.tunnel.PathMtu;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TapDeviceGsoTest {
  /** Aeron's data frame header, which shares each datagram with the message. */
  private static final int AERON_HEADER = 32;

  @Test
  void a_sealed_gso_frame_of_the_capped_size_fits_one_datagram_of_the_largest_mtu() {
    int overlayOverhead = OverlaySettings.MAX_MESSAGE - Offload.MAX_FRAME_LENGTH;
    int largestSealed = EthernetFrame.HEADER_LENGTH + TapDevice.GSO_MAX_SIZE + overlayOverhead;
    assertTrue(largestSealed <= PathMtu.MAX_MTU - AERON_HEADER, largestSealed + " bytes");
    assertTrue(Offload.MAX_FRAME_LENGTH + overlayOverhead > PathMtu.MAX_MTU - AERON_HEADER,
        "without the cap a 64 KiB GSO frame needs two datagrams (else the cap is pointless)");
  }

  @Test
  void a_tap_opened_with_offloads_has_its_gso_size_capped() throws Exception {
    String reason = Netns.unavailableReason("ip");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP GSO test: " + reason);
    String name = "hvxg" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    try (TapDevice tap = TapDevice.open(name, true)) {
      Process show = new ProcessBuilder("ip", "-d", "link", "show", "dev", tap.name()).redirectErrorStream(true).start();
      String details = new String(show.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      show.waitFor();
      assertTrue(details.contains(" gso_max_size " + TapDevice.GSO_MAX_SIZE + " "), details);
    }
  }
}
