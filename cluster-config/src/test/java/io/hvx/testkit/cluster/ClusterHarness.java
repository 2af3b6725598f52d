package io.hvx.testkit.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Runs N cluster nodes in one JVM, each its own ActorSystem on a loopback port, and can crash a node
 * or cut the network between groups of nodes.
 *
 * <p>Usage: {@code try (var cluster = ClusterHarness.start(3)) { cluster.awaitAllUp(); ... }}. Node
 * indexes run from 0; node 0 is the seed the others join. Each system is named {@code hvx} and uses the
 * serializers of the modules on the test classpath, so messages between nodes really cross Artery.
 *
 * <p>Timing (documented bounds the tests rely on): heartbeats every 200 ms, a node is unreachable
 * after 1.5 s of silence, the split-brain resolver (keep-majority) downs unreachable nodes once
 * membership has been stable for 2 s, so a crashed node is removed from the others' view within
 * {@link #REMOVAL_BOUND}.
 */
public final class ClusterHarness implements AutoCloseable {
  /** Upper bound from a crash or partition to removal of the lost nodes, with these settings. */
  public static final Duration REMOVAL_BOUND = Duration.ofSeconds(20);

  private static final Config BASE =
      ConfigFactory.parseString(
          """
          pekko {
            loglevel = INFO
            loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
            logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
            actor.provider = cluster
            remote.artery {
              canonical.hostname = "127.0.0.1"
              canonical.port = 0
              # Lets the harness blackhole traffic between two nodes (Pekko's own partition testing).
              advanced.test-mode = on
            }
            cluster {
              downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
              split-brain-resolver {
                active-strategy = keep-majority
                stable-after = 2s
              }
              failure-detector {
                heartbeat-interval = 200ms
                acceptable-heartbeat-pause = 1500ms
              }
              jmx.enabled = off
              shutdown-after-unsuccessful-join-seed-nodes = off
            }
            # A crash must not look like a graceful leave to the others.
            coordinated-shutdown.run-by-actor-system-terminate = off
            coordinated-shutdown.exit-jvm = off
          }
          """);

  // Scala's nested case object is not reachable from Java source by name.
  private static final ThrottlerTransportAdapter.Direction BOTH_DIRECTIONS = scalaObject(
      "org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Direction$Both$");

  private final List<ActorSystem<?>> nodes;

  private static ThrottlerTransportAdapter.Direction scalaObject(String className) {
    try {
      return (ThrottlerTransportAdapter.Direction) Class.forName(className).getField("MODULE$").get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private ClusterHarness(List<ActorSystem<?>> nodes) {
    this.nodes = nodes;
  }

  /** Starts {@code count} nodes with empty guardians and joins them into one cluster. */
  public static ClusterHarness start(int count) {
    return start(count, ConfigFactory.empty(), index -> Behaviors.empty());
  }

  /**
   * Starts {@code count} nodes, each with the guardian {@code guardians.apply(index)} and
   * {@code extra} config on top of the harness settings, and joins them into one cluster.
   */
  public static ClusterHarness start(int count, Config extra, IntFunction<Behavior<?>> guardians) {
    List<ActorSystem<?>> nodes = new ArrayList<>();
    Config config = extra.withFallback(BASE).withFallback(ConfigFactory.load());
    try {
      for (int i = 0; i < count; i++) {
        @SuppressWarnings("unchecked")
        Behavior<Object> guardian = (Behavior<Object>) guardians.apply(i);
        nodes.add(ActorSystem.create(guardian, "hvx", config));
      }
    } catch (RuntimeException e) {
      nodes.forEach(ActorSystem::terminate);
      throw e;
    }
    ClusterHarness harness = new ClusterHarness(nodes);
    Address seed = harness.address(0);
    for (ActorSystem<?> node : nodes) {
      Cluster.get(node).manager().tell(Join.create(seed));
    }
    return harness;
  }

  public int size() {
    return nodes.size();
  }

  public ActorSystem<?> node(int index) {
    return nodes.get(index);
  }

  public Address address(int index) {
    return Cluster.get(nodes.get(index)).selfMember().address();
  }

  /** A probe living on node {@code index}, for messages that must cross the cluster to reach it. */
  public <T> TestProbe<T> probe(int index, Class<T> type) {
    return TestProbe.create(type, nodes.get(index));
  }

  /** Waits until every running node sees every running node as Up. */
  public void awaitAllUp(Duration timeout) {
    List<Integer> running = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (!isTerminated(i)) {
        running.add(i);
      }
    }
    await(timeout, "all nodes up on every node", () -> {
      for (int observer : running) {
        for (int subject : running) {
          if (status(observer, subject) != MemberStatus.up()) {
            return false;
          }
        }
      }
      return true;
    });
  }

  /** Waits until {@code observer} no longer lists {@code subject} as a member. */
  public void awaitRemoved(int observer, int subject, Duration timeout) {
    await(timeout, "node " + subject + " removed on node " + observer, () -> status(observer, subject) == null);
  }

  /** Waits until node {@code index} has shut itself down (the resolver downed it). */
  public void awaitTerminated(int index, Duration timeout) {
    await(timeout, "node " + index + " terminated", () -> isTerminated(index));
  }

  /** The status of {@code subject} as {@code observer} sees it, or null when it is not a member there. */
  public MemberStatus status(int observer, int subject) {
    Address address = address(subject);
    for (Member member : CollectionConverters.asJava(Cluster.get(nodes.get(observer)).state().members())) {
      if (member.address().equals(address)) {
        return member.status();
      }
    }
    return null;
  }

  public boolean isTerminated(int index) {
    return nodes.get(index).getWhenTerminated().toCompletableFuture().isDone();
  }

  /** Drops all traffic between every node of {@code sideA} and every node of {@code sideB}. */
  public void partition(int[] sideA, int[] sideB) {
    for (int a : sideA) {
      for (int b : sideB) {
        throttle(a, b, ThrottlerTransportAdapter.Blackhole$.MODULE$);
        throttle(b, a, ThrottlerTransportAdapter.Blackhole$.MODULE$);
      }
    }
  }

  /** Lets traffic flow again between all nodes. */
  public void heal() {
    for (int a = 0; a < nodes.size(); a++) {
      for (int b = 0; b < nodes.size(); b++) {
        if (a != b && !isTerminated(a)) {
          throttle(a, b, ThrottlerTransportAdapter.Unthrottled$.MODULE$);
        }
      }
    }
  }

  /** Kills node {@code index} without a goodbye: its traffic stops at once, then its system stops. */
  public void crash(int index) {
    int[] others = new int[nodes.size() - 1];
    for (int i = 0, j = 0; i < nodes.size(); i++) {
      if (i != index) {
        others[j++] = i;
      }
    }
    partition(new int[] {index}, others);
    nodes.get(index).terminate();
    awaitTerminated(index, Duration.ofSeconds(30));
  }

  private void throttle(int from, int to, ThrottlerTransportAdapter.ThrottleMode mode) {
    if (isTerminated(from) || isTerminated(to)) {
      return;
    }
    ExtendedActorSystem system = (ExtendedActorSystem) Adapter.toClassic(nodes.get(from));
    RemoteActorRefProvider provider = (RemoteActorRefProvider) system.provider();
    var command =
        new ThrottlerTransportAdapter.SetThrottle(
            address(to), BOTH_DIRECTIONS, mode);
    try {
      scala.concurrent.Await.result(
          provider.transport().managementCommand(command), scala.concurrent.duration.Duration.create(5, "s"));
    } catch (Exception e) {
      throw new IllegalStateException("could not change traffic from node " + from + " to " + to, e);
    }
  }

  private static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  @Override
  public void close() {
    for (ActorSystem<?> node : nodes) {
      node.terminate();
    }
    for (ActorSystem<?> node : nodes) {
      node.getWhenTerminated().toCompletableFuture().join();
    }
  }
}
