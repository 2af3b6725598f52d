package io.hvx.runtime.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.hvx.config.ClusterSettings;
import io.hvx.config.HostPort;
import io.hvx.config.HvxSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Derives the Pekko settings of a node from its hvx settings, so users configure only {@code hvx.*}. */
public final class PekkoConfig {
  /** Every node of a cluster names its actor system alike; Artery addresses include it. */
  public static final String SYSTEM_NAME = "hvx";

  private PekkoConfig() {}

  public static Config from(HvxSettings settings) {
    ClusterSettings cluster = settings.cluster();
    List<String> seeds = new ArrayList<>();
    for (HostPort seed : cluster.seedNodes()) {
      seeds.add("pekko://" + SYSTEM_NAME + "@" + seed);
    }
    Map<String, Object> values = new java.util.LinkedHashMap<>();
    values.put("pekko.actor.provider", "cluster");
    values.put("pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"));
    values.put("pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter");
    values.put("pekko.remote.artery.transport", cluster.tls().enabled() ? "tls-tcp" : "tcp");
    values.put("pekko.remote.artery.canonical.hostname", cluster.host());
    values.put("pekko.remote.artery.canonical.port", cluster.port());
    values.put("pekko.remote.artery.bind.hostname", cluster.bindHost());
    values.put("pekko.remote.artery.bind.port", cluster.port());
    values.put("pekko.cluster.seed-nodes", seeds);
    values.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", cluster.joinTimeout().toMillis() + "ms");
    values.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    values.put("pekko.cluster.split-brain-resolver.active-strategy",
        cluster.splitBrain().strategy().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    values.put("pekko.cluster.split-brain-resolver.stable-after", cluster.splitBrain().stableAfter().toMillis() + "ms");
    values.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
        cluster.splitBrain().failureDetectorPause().toMillis() + "ms");
    values.put("pekko.cluster.jmx.enabled", "off");
    // The CLI decides how the process ends; a downed node must not kill a JVM that embeds it.
    values.put("pekko.coordinated-shutdown.exit-jvm", "off");
    values.put("pekko.management.http.hostname", settings.http().host());
    values.put("pekko.management.http.port", settings.http().port());
    values.put("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method",
        cluster.bootstrap().discoveryMethod());
    values.put("pekko.management.cluster.bootstrap.contact-point-discovery.service-name",
        cluster.bootstrap().serviceName());
    values.put("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr",
        cluster.bootstrap().requiredContactPoints());
    // Nodes may listen on different HTTP ports (several per host); keep every discovered contact point
    // rather than only those on this node's own port.
    values.put("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port", "off");
    if (cluster.tls().enabled()) {
      String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
      String store = cluster.tls().keyStore().toAbsolutePath().toString();
      values.put(engine + "key-store", store);
      values.put(engine + "trust-store", store);
      values.put(engine + "key-store-password", cluster.tls().keyStorePassword());
      values.put(engine + "key-password", cluster.tls().keyStorePassword());
      values.put(engine + "trust-store-password", cluster.tls().keyStorePassword());
      values.put(engine + "protocol", "TLSv1.3");
      values.put(engine + "enabled-algorithms", List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"));
      values.put(engine + "require-mutual-authentication", "on");
      // Every node presents the shared cluster certificate, so there is no per-host name to verify.
      values.put(engine + "hostname-verification", "off");
    }
    Config config = ConfigFactory.empty();
    for (Map.Entry<String, Object> entry : values.entrySet()) {
      config = config.withValue(entry.getKey(), ConfigValueFactory.fromAnyRef(entry.getValue()));
    }
    return config;
  }
}
