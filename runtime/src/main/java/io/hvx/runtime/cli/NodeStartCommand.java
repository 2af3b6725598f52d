package io.hvx.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.hvx.config.HostPort;
import io.hvx.runtime.node.HvxNode;
import io.hvx.runtime.node.NodeStartException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code hvx node start}: runs a node in the foreground until it is stopped. */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = {
        "Start an hvx node in the foreground. With no seed nodes and no bootstrap it forms a one-node cluster.",
        "Flags override HVX_* variables, which override --config, which overrides the embedded defaults."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the node left the cluster after Ctrl-C / SIGTERM", "1:the node was removed from the cluster",
        "2:bad flags or settings", "3:the node could not start or join (port in use, seed unreachable)"})
final class NodeStartCommand implements Callable<Integer> {
  /** How long a signalled node may take to leave the cluster before its switch and storage close anyway. */
  private static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(60);

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:HVX_CONFIG}",
      description = "HOCON settings file (hvx { node {...} http {...} cluster {...} }); env HVX_CONFIG.")
  Path config;

  @Option(names = "--name", defaultValue = "${env:HVX_NODE_NAME}", description = "Node id, unique in the cluster (env HVX_NODE_NAME).")
  String name;

  @Option(names = "--data-dir", defaultValue = "${env:HVX_DATA_DIR}", paramLabel = "DIR",
      description = "Token, endpoint and state (env HVX_DATA_DIR; default ~/.hvx).")
  Path dataDir;

  @Option(names = "--http-host", defaultValue = "${env:HVX_HTTP_HOST}", paramLabel = "HOST",
      description = "HTTP endpoint interface (default 127.0.0.1; env HVX_HTTP_HOST).")
  String httpHost;

  @Option(names = "--http-port", defaultValue = "${env:HVX_HTTP_PORT}", paramLabel = "PORT",
      description = "HTTP endpoint port (default 8558; env HVX_HTTP_PORT).")
  Integer httpPort;

  @Option(names = "--cluster-host", defaultValue = "${env:HVX_CLUSTER_HOST}", paramLabel = "HOST",
      description = "Address other nodes reach this node at (default 127.0.0.1; env HVX_CLUSTER_HOST).")
  String clusterHost;

  @Option(names = "--cluster-port", defaultValue = "${env:HVX_CLUSTER_PORT}", paramLabel = "PORT",
      description = "Cluster (Artery TCP) port (default 7355; env HVX_CLUSTER_PORT).")
  Integer clusterPort;

  @Option(names = "--bind-host", defaultValue = "${env:HVX_BIND_HOST}", paramLabel = "HOST",
      description = "Local interface for the cluster port when it differs from --cluster-host (NAT).")
  String bindHost;

  @Option(names = "--seed", defaultValue = "${env:HVX_SEED_NODES}", split = ",", paramLabel = "HOST:PORT",
      description = "Cluster address of a node to join; repeat or separate with commas (env HVX_SEED_NODES).")
  List<String> seeds;

  @Option(names = "--bootstrap", defaultValue = "${env:HVX_BOOTSTRAP}", paramLabel = "METHOD",
      description = "Join through Cluster Bootstrap with this discovery method (config, pekko-dns) instead of seeds.")
  String bootstrap;

  @Option(names = "--cloud", defaultValue = "${env:HVX_CLOUD}", description = "Cloud this node runs in (env HVX_CLOUD).")
  String cloud;

  @Option(names = "--region", defaultValue = "${env:HVX_REGION}", description = "Region (env HVX_REGION).")
  String region;

  @Option(names = "--zone", defaultValue = "${env:HVX_ZONE}", description = "Zone (env HVX_ZONE).")
  String zone;

  @Option(names = "--public-address", defaultValue = "${env:HVX_PUBLIC_ADDRESS}", paramLabel = "HOST",
      description = "Address users reach this node at (env HVX_PUBLIC_ADDRESS).")
  String publicAddress;

  @Override
  public Integer call() {
    Config settings = settings();
    PrintWriter out = spec.commandLine().getOut();
    HvxNode node;
    try {
      node = HvxNode.start(settings);
    } catch (NodeStartException e) {
      throw new CliException(ExitCodes.UNREACHABLE, e.getMessage());
    }
    AtomicBoolean stopping = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping.set(true);
      // Pekko's hook leaves the cluster meanwhile; the switch and storage close after it, before the JVM halts.
      node.awaitStopped(SHUTDOWN_LIMIT);
    }, "hvx-node-shutdown"));
    // Ctrl-C and SIGTERM stop the node the normal way, so that the process exits 0: a signal left to the JVM
    // makes it exit 130 or 143 whatever its shutdown does (service managers count that as a failure).
    for (String name : List.of("INT", "TERM")) {
      Signal.handle(new Signal(name), received -> {
        if (stopping.compareAndSet(false, true)) {
          Thread.ofPlatform().name("hvx-node-stop").start(node::close);
        }
      });
    }
    out.printf("hvx node %s is up (cluster address %s:%d, cloud %s, region %s, zone %s)%n",
        node.settings().node().name(), node.settings().cluster().host(), node.settings().cluster().port(),
        node.settings().node().cloud(), node.settings().node().region(), node.settings().node().zone());
    out.printf("  HTTP endpoint: %s%n", node.url());
    out.printf("  token:         %s (send it as 'Authorization: Bearer <token>')%n", node.settings().http().tokenFile());
    out.printf("  try:           ./hvx node list%s%n",
        dataDir == null ? "" : " --data-dir " + dataDir);
    out.println("Press Ctrl-C to leave the cluster and stop.");
    out.flush();
    node.whenTerminated().join();
    if (stopping.get()) {
      return ExitCodes.OK;
    }
    spec.commandLine().getErr().println("hvx: the node was removed from the cluster (downed by the split-brain"
        + " resolver or the operator); start it again to rejoin");
    return ExitCodes.FAILED;
  }

  private Config settings() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    put(overrides, "hvx.node.name", name);
    put(overrides, "hvx.node.data-dir", dataDir == null ? null : dataDir.toString());
    put(overrides, "hvx.node.cloud", cloud);
    put(overrides, "hvx.node.region", region);
    put(overrides, "hvx.node.zone", zone);
    put(overrides, "hvx.node.public-address", publicAddress);
    put(overrides, "hvx.http.host", httpHost);
    put(overrides, "hvx.http.port", httpPort);
    put(overrides, "hvx.cluster.host", clusterHost);
    put(overrides, "hvx.cluster.port", clusterPort);
    put(overrides, "hvx.cluster.bind-host", bindHost);
    if (bootstrap != null && !bootstrap.isBlank()) {
      overrides.put("hvx.cluster.bootstrap.enabled", true);
      overrides.put("hvx.cluster.bootstrap.discovery-method", bootstrap.trim());
    }
    if (seeds != null) {
      List<String> parsed = new ArrayList<>();
      for (String seed : seeds) {
        if (!seed.isBlank()) {
          parsed.add(HostPort.parse("--seed", seed).toString());
        }
      }
      if (!parsed.isEmpty()) {
        overrides.put("hvx.cluster.seed-nodes", parsed);
      }
    }
    Config file = ConfigFactory.empty();
    if (config != null) {
      if (!Files.isReadable(config)) {
        throw new CliException(ExitCodes.USAGE, "cannot read the config file " + config);
      }
      file = ConfigFactory.parseFile(config.toFile());
    }
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.load(file));
  }

  private static void put(Map<String, Object> overrides, String key, Object value) {
    if (value != null && !(value instanceof String text && text.isBlank())) {
      overrides.put(key, value);
    }
  }
}
