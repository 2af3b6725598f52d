package io.hvx.runtime.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.cli.HvxCommand;
import io.hvx.runtime.node.HvxNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * Node start, three-node formation and crash-to-removal times of hvx beside a bare Pekko cluster node
 * (the peer: same Artery, no hvx actors, HTTP or token), in one run. Not a test: run it by hand, see
 * docs/benchmarks.md.
 */
public final class ClusterBenchmark {
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path dir = Files.createTempDirectory("hvx-bench");
    long[] bare = new long[rounds];
    long[] hvx = new long[rounds];
    long[] bareThree = new long[rounds];
    long[] hvxThree = new long[rounds];
    for (int round = 0; round < rounds; round++) {
      bare[round] = bareCluster(1);
      hvx[round] = hvxCluster(dir.resolve("r" + round), 1);
      bareThree[round] = bareCluster(3);
      hvxThree[round] = hvxCluster(dir.resolve("t" + round), 3);
    }
    report("one node up (in-JVM)", bare, hvx);
    report("three nodes up, sequential joins (in-JVM)", bareThree, hvxThree);
    long removal = crashToRemoval(dir.resolve("crash"));
    System.out.printf("crash (SIGKILL) to removal with default settings (stable-after 20s, failure-detector-pause 5s):"
        + " %d ms%n", removal);
  }

  private static void report(String what, long[] peer, long[] hvx) {
    long peerMedian = median(peer);
    long hvxMedian = median(hvx);
    System.out.printf("%-45s bare Pekko %5d ms   hvx %5d ms   ratio hvx/peer %.2f   (all: peer %s, hvx %s)%n",
        what, peerMedian, hvxMedian, (double) hvxMedian / peerMedian, Arrays.toString(peer), Arrays.toString(hvx));
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static long bareCluster(int count) throws Exception {
    long start = System.nanoTime();
    List<ActorSystem<Void>> systems = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Config config = ConfigFactory.parseString("pekko.actor.provider = cluster\n"
          + "pekko.remote.artery.canonical.hostname = 127.0.0.1\npekko.remote.artery.canonical.port = 0\n"
          + "pekko.cluster.jmx.enabled = off\npekko.loglevel = WARNING").withFallback(ConfigFactory.load());
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "hvx", config);
      systems.add(system);
      Cluster.get(system).manager().tell(Join.create(Cluster.get(systems.get(0)).selfMember().address()));
      while (Cluster.get(system).selfMember().status() != MemberStatus.up()) {
        Thread.sleep(5);
      }
    }
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    for (ActorSystem<Void> system : systems.reversed()) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
    return elapsed;
  }

  private static long hvxCluster(Path dir, int count) throws Exception {
    long start = System.nanoTime();
    List<HvxNode> nodes = new ArrayList<>();
    int seed = TestNodes.freePort();
    for (int i = 0; i < count; i++) {
      int port = i == 0 ? seed : TestNodes.freePort();
      nodes.add(HvxNode.start(TestNodes.config("b" + i, dir.resolve("n" + i), TestNodes.freePort(), port,
          i == 0 ? List.of() : List.of(seed))));
    }
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    nodes.reversed().forEach(HvxNode::close);
    return elapsed;
  }

  /** Two real node processes plus a third that is killed; time until the others no longer list it. */
  private static long crashToRemoval(Path dir) throws Exception {
    Files.createDirectories(dir);
    int seed = TestNodes.freePort();
    List<Process> processes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        processes.add(startProcess(dir, "c" + i, i == 0 ? seed : TestNodes.freePort(), seed));
      }
      Path observer = dir.resolve("c0");
      while (countMembers(observer) != 3) {
        Thread.sleep(100);
      }
      long killed = System.nanoTime();
      processes.get(2).destroyForcibly().waitFor();
      while (countMembers(observer) != 2) {
        Thread.sleep(100);
      }
      return (System.nanoTime() - killed) / 1_000_000;
    } finally {
      processes.forEach(Process::destroyForcibly);
    }
  }

  private static Process startProcess(Path dir, String name, int clusterPort, int seed) throws Exception {
    List<String> command = TestNodes.javaCommand("256m");
    command.addAll(List.of(HvxCommand.class.getName(), "node", "start", "--name", name,
        "--data-dir", dir.resolve(name).toString(), "--http-port", "" + TestNodes.freePort(),
        "--cluster-port", "" + clusterPort, "--seed", "127.0.0.1:" + seed));
    return new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
  }

  private static int countMembers(Path dataDir) {
    if (!Files.exists(dataDir.resolve("endpoint"))) {
      return -1;
    }
    try {
      String url = Files.readString(dataDir.resolve("endpoint")).trim();
      String token = Files.readString(dataDir.resolve("token")).trim();
      var body = io.hvx.runtime.http.Json.MAPPER.readTree(TestNodes.get(url + "/hvx/nodes", token).body());
      int members = 0;
      for (var node : body.path("nodes")) {
        members++;
      }
      return members;
    } catch (Exception e) {
      return -1;
    }
  }
}
