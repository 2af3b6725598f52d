package io.hvx.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** How this node finds and talks to the others ({@code hvx.cluster}). */
public record ClusterSettings(
    String host,
    int port,
    String bindHost,
    List<HostPort> seedNodes,
    Duration joinTimeout,
    Bootstrap bootstrap,
    SplitBrain splitBrain,
    Tls tls) {

  /** Joining without a static seed list: Pekko Cluster Bootstrap over a discovery method. */
  public record Bootstrap(boolean enabled, String discoveryMethod, String serviceName, int requiredContactPoints) {}

  /** The split-brain resolver: which side survives a partition, and after how long. */
  public record SplitBrain(Strategy strategy, Duration stableAfter, Duration failureDetectorPause) {
    public enum Strategy {
      KEEP_MAJORITY,
      KEEP_OLDEST,
      DOWN_ALL
    }
  }

  /** Artery over TLS with mutual authentication; every node holds the same cluster secret. */
  public record Tls(boolean enabled, Path keyStore, String keyStorePassword) {}

  static ClusterSettings read(SettingsReader cluster) {
    String host = cluster.nonEmptyString("host");
    String bindHost = cluster.optionalString("bind-host");
    List<HostPort> seeds = new ArrayList<>();
    for (String seed : cluster.stringList("seed-nodes")) {
      seeds.add(HostPort.parse(cluster.key("seed-nodes"), seed));
    }
    SettingsReader bootstrap = cluster.section("bootstrap");
    SettingsReader splitBrain = cluster.section("split-brain");
    SettingsReader tls = cluster.section("tls");
    boolean tlsEnabled = tls.bool("enabled");
    Path keyStore = null;
    String password = "";
    if (tlsEnabled) {
      keyStore = tls.path("key-store");
      password = tls.nonEmptyString("key-store-password");
      if (!java.nio.file.Files.isReadable(keyStore)) {
        throw new SettingsException(tls.key("key-store"), "a readable PKCS12 file (create one with 'hvx cluster secret')", keyStore);
      }
    }
    return new ClusterSettings(
        host,
        cluster.port("port"),
        bindHost.isEmpty() ? host : bindHost,
        List.copyOf(seeds),
        cluster.positiveDuration("join-timeout"),
        new Bootstrap(
            bootstrap.bool("enabled"),
            bootstrap.nonEmptyString("discovery-method"),
            bootstrap.nonEmptyString("service-name"),
            bootstrap.intInRange("required-contact-points", 1, 1000)),
        new SplitBrain(
            splitBrain.enumValue("strategy", SplitBrain.Strategy.class),
            splitBrain.positiveDuration("stable-after"),
            splitBrain.positiveDuration("failure-detector-pause")),
        new Tls(tlsEnabled, keyStore, password));
  }
}
