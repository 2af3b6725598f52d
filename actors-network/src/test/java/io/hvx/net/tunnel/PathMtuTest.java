package io.hvx.net.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PathMtuTest {
  @Test
  void interface_mtu_less_ip_and_udp_headers_is_aligned_to_32_and_clamped() {
    assertEquals(65_504, PathMtu.forInterfaceMtu(65_536, false), "loopback");
    assertEquals(8_960, PathMtu.forInterfaceMtu(9_001, false), "a jumbo-frame cloud LAN: 8973 rounded down");
    assertEquals(8_928, PathMtu.forInterfaceMtu(9_000, true), "IPv6 headers are 20 bytes longer");
    assertEquals(2_048, PathMtu.forInterfaceMtu(1_500, false), "never below a full guest frame's message");
  }

  @Test
  void a_peer_on_loopback_gets_the_loopback_interface_mtu() throws Exception {
    int loMtu = Integer.parseInt(Files.readString(Path.of("/sys/class/net/lo/mtu")).trim());
    assertEquals(PathMtu.forInterfaceMtu(loMtu, false), PathMtu.toward("127.0.0.1:40000"));
  }

  @Test
  void an_endpoint_that_is_not_host_and_port_gets_the_smallest_mtu() {
    assertEquals(OverlaySettings.MIN_MTU, PathMtu.toward("no-port-here"));
    assertEquals(OverlaySettings.MIN_MTU, PathMtu.toward("127.0.0.1:notaport"));
  }

  @Test
  void a_fixed_mtu_outside_the_range_or_off_the_grid_is_refused() {
    assertThrows(IllegalArgumentException.class, () -> OverlaySettings.defaults().withMtu(1_504));
    assertThrows(IllegalArgumentException.class, () -> OverlaySettings.defaults().withMtu(65_536));
    assertThrows(IllegalArgumentException.class, () -> OverlaySettings.defaults().withMtu(9_000));
    assertEquals(8_960, OverlaySettings.defaults().withMtu(8_960).mtuToward("127.0.0.1:40000"));
  }
}
