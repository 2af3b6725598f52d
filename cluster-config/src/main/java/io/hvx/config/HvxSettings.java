package io.hvx.config;

import com.typesafe.config.Config;

/** Every setting of an hvx node, read from {@code hvx.*} and validated at once. */
public record HvxSettings(NodeSettings node, HttpSettings http, ClusterSettings cluster) {

  /** Reads and validates; throws {@link SettingsException} naming the first bad key. */
  public static HvxSettings from(Config config) {
    SettingsReader hvx = SettingsReader.of(config, "hvx");
    ClusterSettings cluster = ClusterSettings.read(hvx.section("cluster"));
    NodeSettings node = NodeSettings.read(hvx.section("node"), cluster);
    HttpSettings http = HttpSettings.read(hvx.section("http"), node.dataDir());
    return new HvxSettings(node, http, cluster);
  }
}
