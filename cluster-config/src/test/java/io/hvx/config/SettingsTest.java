package io.hvx.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

  private static HvxSettings read(String overrides) {
    Config config = ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
    return HvxSettings.from(config);
  }

  private static SettingsException failure(String overrides) {
    return assertThrows(SettingsException.class, () -> read(overrides));
  }

  @Test
  void embedded_defaults_form_a_valid_single_node_configuration() {
    HvxSettings settings = read("");
    assertEquals(8558, settings.http().port());
    assertEquals(7355, settings.cluster().port());
    assertTrue(settings.cluster().seedNodes().isEmpty());
    assertEquals(settings.cluster().host(), settings.node().publicAddress());
    assertTrue(settings.node().name().endsWith("-7355"), settings.node().name());
    assertEquals(settings.node().dataDir().resolve("token"), settings.http().tokenFile());
    assertEquals(Path.of(System.getProperty("user.home"), ".hvx"), settings.node().dataDir());
  }

  @Test
  void seed_nodes_are_parsed_including_bracketed_ipv6() {
    HvxSettings settings = read("hvx.cluster.seed-nodes = [\"10.0.0.1:7355\", \"[fd00::1]:7400\"]");
    assertEquals(
        List.of(new HostPort("10.0.0.1", 7355), new HostPort("fd00::1", 7400)), settings.cluster().seedNodes());
  }

  @Test
  void a_port_out_of_range_names_the_key_and_the_range() {
    SettingsException e = failure("hvx.http.port = 70000");
    assertEquals("hvx.http.port", e.key());
    assertTrue(e.getMessage().contains("0 to 65535") && e.getMessage().contains("70000"), e.getMessage());
  }

  @Test
  void a_port_that_is_not_a_number_names_the_key() {
    SettingsException e = failure("hvx.cluster.port = eighty");
    assertEquals("hvx.cluster.port", e.key());
  }

  @Test
  void a_malformed_seed_node_names_the_key_and_the_expected_form() {
    SettingsException e = failure("hvx.cluster.seed-nodes = [\"10.0.0.1\"]");
    assertEquals("hvx.cluster.seed-nodes", e.key());
    assertTrue(e.getMessage().contains("host:port"), e.getMessage());
  }

  @Test
  void an_unknown_split_brain_strategy_lists_the_allowed_ones() {
    SettingsException e = failure("hvx.cluster.split-brain.strategy = keep-everyone");
    assertEquals("hvx.cluster.split-brain.strategy", e.key());
    assertTrue(e.getMessage().contains("keep-majority keep-oldest down-all"), e.getMessage());
  }

  @Test
  void a_zero_duration_is_refused() {
    SettingsException e = failure("hvx.cluster.split-brain.stable-after = 0s");
    assertEquals("hvx.cluster.split-brain.stable-after", e.key());
  }

  @Test
  void a_node_name_with_spaces_is_refused() {
    SettingsException e = failure("hvx.node.name = \"my node\"");
    assertEquals("hvx.node.name", e.key());
  }

  @Test
  void tls_without_a_readable_key_store_is_refused_before_start() {
    SettingsException e =
        failure("hvx.cluster.tls { enabled = on, key-store = \"/nonexistent/secret.p12\", key-store-password = x }");
    assertEquals("hvx.cluster.tls.key-store", e.key());
  }

  @Test
  void durations_and_explicit_values_are_kept() {
    HvxSettings settings = read("hvx.node { name = edge-1, cloud = aws, region = eu-west-1, zone = a }\n"
        + "hvx.cluster.split-brain.stable-after = 7s");
    assertEquals("edge-1", settings.node().name());
    assertEquals("aws", settings.node().cloud());
    assertEquals(Duration.ofSeconds(7), settings.cluster().splitBrain().stableAfter());
  }
}
