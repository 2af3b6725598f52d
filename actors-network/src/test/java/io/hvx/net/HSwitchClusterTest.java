package io.hvx.net;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.metrics.Counter;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.RecordingSink;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.testkit.cluster.ClusterHarness;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** Switches on nodes of one Pekko cluster find each other and open tunnels without configuration. */
class HSwitchClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int NET = 9;

  private static String counters(EmbeddedAeron aeron) {
    StringBuilder all = new StringBuilder();
    var reader = aeron.aeron().countersReader();
    reader.forEach((id, type, key, label) -> all.append(id).append(' ').append(label).append(" = ")
        .append(reader.getCounterValue(id)).append('\n'));
    return all.toString();
  }

  @Test
  void switches_learn_their_tunnel_peers_from_cluster_membership_and_forget_a_crashed_node() {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) 5);
    HSwitch[] switches = new HSwitch[3];
    AtomicReferenceArray<ActorRef<HSwitchActor.Command>> actors = new AtomicReferenceArray<>(3);
    try (EmbeddedAeron aeron = EmbeddedAeron.launch()) {
      for (int i = 0; i < switches.length; i++) {
        switches[i] = HSwitch.start(i + 1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret));
      }
      try (ClusterHarness cluster = ClusterHarness.start(3, ConfigFactory.empty(), index ->
          Behaviors.setup(context -> {
            actors.set(index, context.spawn(HSwitchActor.create(switches[index]), "hswitch"));
            return Behaviors.empty();
          }))) {
        cluster.awaitAllUp(WAIT);
        try {
          Await.until("full mesh of tunnels", WAIT, () ->
              switches[0].isPeerConnected(2) && switches[0].isPeerConnected(3)
                  && switches[1].isPeerConnected(1) && switches[2].isPeerConnected(1));
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + ": 1->2 " + switches[0].isPeerConnected(2) + ", 1->3 "
              + switches[0].isPeerConnected(3) + ", 2->1 " + switches[1].isPeerConnected(1) + ", 3->1 "
              + switches[2].isPeerConnected(1) + "\n" + counters(aeron), e);
        }

        RecordingSink sink1 = new RecordingSink();
        TestProbe<HSwitchActor.AttachResult> probe0 = cluster.probe(0, HSwitchActor.AttachResult.class);
        actors.get(0).tell(new HSwitchActor.AttachDevice(1, NET, new RecordingSink(), probe0.ref()));
        var ring0 = ((HSwitchActor.DeviceAttached) probe0.receiveMessage()).ring();
        TestProbe<HSwitchActor.AttachResult> probe1 = cluster.probe(1, HSwitchActor.AttachResult.class);
        actors.get(1).tell(new HSwitchActor.AttachDevice(1, NET, sink1, probe1.ref()));
        probe1.receiveMessage();

        UnsafeBuffer broadcast = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:01", 1);
        ring0.offer(broadcast, 0, broadcast.capacity());
        Await.until("frame across the learned tunnel", WAIT, () -> sink1.sent().size() == 1);

        // Node 3 receives the flood through its own tunnel, in its own time.
        Await.until("node 3 saw the flooded frame", WAIT,
            () -> switches[2].counters().get(Counter.SWITCH_UNKNOWN_NETWORK_FRAMES) >= 1);
        TestProbe<HSwitchActor.CountersSnapshot> counters = cluster.probe(2, HSwitchActor.CountersSnapshot.class);
        actors.get(2).tell(new HSwitchActor.GetCounters(counters.ref()));
        assertEquals(1L, counters.receiveMessage().values().get(Counter.SWITCH_UNKNOWN_NETWORK_FRAMES),
            "node 3 has no port in the network and drops the flooded frame");

        cluster.crash(2);
        cluster.awaitRemoved(0, 2, ClusterHarness.REMOVAL_BOUND);
        Await.until("tunnel to the crashed node closed", WAIT, () -> !switches[0].isPeerConnected(3));
        Await.until("node 2's tunnel to the crashed node closed", WAIT, () -> !switches[1].isPeerConnected(3));
        assertEquals(true, switches[0].isPeerConnected(2), "the surviving tunnel stays");
      }
    } finally {
      for (HSwitch hswitch : switches) {
        if (hswitch != null) {
          hswitch.close();
        }
      }
    }
  }
}
