package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.hvx.config.SettingsException;
import io.hvx.net.tunnel.OverlaySettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NetworkSettingsTest {
  private static NetworkSettings read(String overrides) {
    Config config = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference());
    return NetworkSettings.from(config, "127.0.0.1", null);
  }

  @Test
  void frugal_waits_deepen_after_50_ms_without_frames_unless_set() {
    assertEquals(Duration.ofMillis(50), read("").quietAfter());
    assertEquals(Duration.ofMillis(5), read("hvx.network.quiet-after = 5ms").quietAfter());
  }

  @Test
  void a_quiet_spell_that_is_not_a_duration_from_just_above_zero_to_a_minute_names_the_setting() {
    for (String bad : new String[] {"0s", "-1ms", "2m", "soon"}) {
      SettingsException e = assertThrows(SettingsException.class, () -> read("hvx.network.quiet-after = " + bad));
      assertTrue(e.getMessage().contains("hvx.network.quiet-after"), e.getMessage());
    }
  }

  @Test
  void the_overlay_mtu_is_sized_per_peer_unless_set() {
    assertEquals(OverlaySettings.AUTO_MTU, read("").overlayMtu());
    assertEquals(8960, read("hvx.network.overlay-mtu = 8960").overlayMtu());
  }

  @Test
  void an_overlay_mtu_off_the_32_byte_grid_or_out_of_range_names_the_setting_and_the_range() {
    for (String bad : new String[] {"9000", "1500", "70000", "big"}) {
      SettingsException e = assertThrows(SettingsException.class, () -> read("hvx.network.overlay-mtu = " + bad));
      assertTrue(e.getMessage().contains("hvx.network.overlay-mtu") && e.getMessage().contains("2048 to 65504"),
          e.getMessage());
    }
  }

  @Test
  void the_overlay_window_is_1_mib_unless_set_and_takes_sizes() {
    assertEquals(1 << 20, read("").overlayWindow());
    assertEquals(8 << 20, read("hvx.network.overlay-window = 8MiB").overlayWindow());
    assertEquals(256 << 10, read("hvx.network.overlay-window = 262144").overlayWindow());
  }

  @Test
  void an_overlay_window_that_is_no_size_from_128_kib_to_64_mib_names_the_setting_and_the_range() {
    for (String bad : new String[] {"64KiB", "65MiB", "1GiB", "lots", "-1MiB"}) {
      SettingsException e = assertThrows(SettingsException.class, () -> read("hvx.network.overlay-window = " + bad));
      assertTrue(e.getMessage().contains("hvx.network.overlay-window"), e.getMessage());
    }
    SettingsException e = assertThrows(SettingsException.class, () -> read("hvx.network.overlay-window = 65MiB"));
    assertTrue(e.getMessage().contains("128KiB to 64MiB"), e.getMessage());
  }

  @Test
  void a_window_above_the_kernels_receive_buffer_limit_gets_a_warning_that_says_how_to_raise_it() {
    NetworkSettings settings = read("hvx.network.overlay-window = 8MiB");
    String warning = settings.overlayWindowWarning(212_992);
    assertTrue(warning.contains("hvx.network.overlay-window") && warning.contains("net.core.rmem_max")
        && warning.contains("sysctl -w net.core.rmem_max=8388608"), warning);
    assertEquals(null, settings.overlayWindowWarning(8 << 20), "a limit as large as the window");
    assertEquals(null, settings.overlayWindowWarning(-1), "an unknown limit");
  }
}
