package io.hvx.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.hvx.runtime.TestNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ways to join other than a static seed list: Cluster Bootstrap, and Artery over TLS with a cluster secret. */
class ClusterJoinTest {
  @TempDir Path dir;

  private static int members(HvxNode node) {
    return (int) StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false).count();
  }

  private static void awaitMembers(HvxNode node, int count) throws InterruptedException {
    for (int attempt = 0; attempt < 300 && members(node) != count; attempt++) {
      Thread.sleep(100);
    }
    assertEquals(count, members(node));
  }

  @Test
  void two_nodes_find_each_other_through_cluster_bootstrap_without_seed_nodes() throws Exception {
    int http1 = TestNodes.freePort();
    int http2 = TestNodes.freePort();
    String discovery = """
        hvx.cluster.bootstrap { enabled = on, discovery-method = config, service-name = hvx-test, required-contact-points = 2 }
        pekko.discovery.config.services.hvx-test.endpoints = [
          { host = "127.0.0.1", port = %d }, { host = "127.0.0.1", port = %d } ]
        pekko.management.cluster.bootstrap.contact-point-discovery { interval = 500ms, stable-margin = 1s }
        pekko.management.cluster.bootstrap.contact-point.probe-interval = 500ms
        """.formatted(http1, http2);
    List<CompletableFuture<HvxNode>> starting = new ArrayList<>();
    int[] https = {http1, http2};
    for (int i = 0; i < 2; i++) {
      Config config = ConfigFactory.parseString(discovery)
          .withFallback(TestNodes.config("boot" + i, dir.resolve("b" + i), https[i], TestNodes.freePort(), List.of()));
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return HvxNode.start(config);
        } catch (NodeStartException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    List<HvxNode> nodes = new ArrayList<>();
    try {
      for (CompletableFuture<HvxNode> node : starting) {
        nodes.add(node.get(90, TimeUnit.SECONDS));
      }
      awaitMembers(nodes.get(0), 2);
      awaitMembers(nodes.get(1), 2);
    } finally {
      nodes.forEach(HvxNode::close);
    }
  }

  private Path clusterSecret(String name, String password) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "hvx-cluster", "-keyalg", "EC",
        "-groupname", "secp256r1", "-validity", "30", "-dname", "CN=hvx-cluster", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", password).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), "keytool failed: " + output);
    return store;
  }

  // Members get time to join on a loaded machine; the intruder is expected to fail, so it gets less.
  private Config tlsNode(String name, Path secret, int clusterPort, List<Integer> seeds) {
    return tlsNode(name, secret, clusterPort, seeds, 60);
  }

  private Config tlsNode(String name, Path secret, int clusterPort, List<Integer> seeds, int joinTimeoutSeconds) {
    return ConfigFactory.parseString("""
        hvx.cluster.tls { enabled = on, key-store = "%s", key-store-password = "secret-pw" }
        hvx.cluster.join-timeout = %ds
        """.formatted(secret, joinTimeoutSeconds))
        .withFallback(TestNodes.config(name, dir.resolve(name), TestNodes.freePort(), clusterPort, seeds));
  }

  @Test
  void nodes_sharing_the_cluster_secret_join_over_tls_and_a_node_without_it_cannot() throws Exception {
    Path secret = clusterSecret("cluster", "secret-pw");
    Path other = clusterSecret("other", "secret-pw");
    int seed = TestNodes.freePort();
    try (HvxNode first = HvxNode.start(tlsNode("tls1", secret, seed, List.of(seed)));
        HvxNode second = HvxNode.start(tlsNode("tls2", secret, TestNodes.freePort(), List.of(seed)))) {
      assertEquals("tls-tcp", first.system().settings().config().getString("pekko.remote.artery.transport"));
      awaitMembers(first, 2);
      awaitMembers(second, 2);
      NodeStartException refused = assertThrows(NodeStartException.class,
          () -> HvxNode.start(tlsNode("intruder", other, TestNodes.freePort(), List.of(seed), 8)));
      assertTrue(refused.getMessage().contains("could not join"), refused.getMessage());
      assertEquals(2, members(first));
    }
  }
}
