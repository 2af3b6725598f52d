package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.testing.Await;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.testkit.cluster.ClusterHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** The network registry on a real two-node cluster with real Distributed Data replicators. */
class NetworkRegistryTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int CHANGES = 200;
  private static final long SPACING_NANOS = 500_000;

  @Test
  void back_to_back_changes_each_build_on_the_last_even_while_replication_snapshots_arrive() {
    // Snapshots every millisecond: many arrive while a change is on its way to the replicator, and
    // such a snapshot lacks that change.
    var config = ConfigFactory.parseString("pekko.cluster.distributed-data.notify-subscribers-interval = 1ms");
    HSwitch[] switches = new HSwitch[2];
    List<AtomicReference<ActorRef<NetworkRegistry.Command>>> registries =
        List.of(new AtomicReference<>(), new AtomicReference<>());
    try (EmbeddedAeron aeron = EmbeddedAeron.launch()) {
      for (int i = 0; i < switches.length; i++) {
        switches[i] = HSwitch.start(i + 1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
            new PeerKeys(new byte[32]));
      }
      try (ClusterHarness cluster = ClusterHarness.start(2, config, index -> Behaviors.setup(context -> {
        registries.get(index).set(context.spawn(NetworkRegistry.create(switches[index]), "networks"));
        return Behaviors.empty();
      }))) {
        cluster.awaitAllUp(WAIT);
        ActorRef<NetworkRegistry.Command> registry = registries.get(0).get();
        TestProbe<NetworkRegistry.Outcome> outcomes = cluster.probe(0, NetworkRegistry.Outcome.class);
        registry.tell(new NetworkRegistry.Change("race", current -> NetworkDefinition.create("race", 0, ""),
            outcomes.ref()));
        assertInstanceOf(NetworkRegistry.Changed.class, outcomes.receiveMessage(WAIT));

        // Each change adds one record to what the registry holds when it runs; a change that ran on a
        // snapshot older than its predecessors would drop their records. Spaced so that snapshots land
        // between changes, as a user's commands do.
        for (int i = 0; i < CHANGES; i++) {
          LockSupport.parkNanos(SPACING_NANOS);
          String record = "r" + i;
          String address = "10.0." + i / 250 + "." + (i % 250 + 1);
          registry.tell(new NetworkRegistry.Change("race", current -> current
              .orElseThrow(() -> new NetworkRegistry.NoSuchNetwork("race")).withRecord(record, address),
              outcomes.ref()));
        }
        List<NetworkRegistry.Outcome> replies = new ArrayList<>();
        for (int i = 0; i < CHANGES; i++) {
          replies.add(outcomes.receiveMessage(WAIT));
        }
        replies.forEach(reply -> assertInstanceOf(NetworkRegistry.Changed.class, reply, reply.toString()));
        // Replies of a majority write may overtake each other: the fullest one is the last change's.
        int kept = replies.stream()
            .mapToInt(reply -> ((NetworkRegistry.Changed) reply).definition().records().size()).max().orElse(0);
        assertEquals(CHANGES, kept, "records kept by the last change");

        TestProbe<NetworkRegistry.Networks> networks = cluster.probe(1, NetworkRegistry.Networks.class);
        Await.until("node 2 holds every record", WAIT, () -> {
          registries.get(1).get().tell(new NetworkRegistry.GetNetworks(networks.ref()));
          List<NetworkDefinition> known = networks.receiveMessage(WAIT).networks();
          return known.size() == 1 && known.getFirst().records().size() == CHANGES;
        });
      } finally {
        // Before their driver closes.
        for (HSwitch hswitch : switches) {
          if (hswitch != null) {
            hswitch.close();
          }
        }
      }
    }
  }
}
