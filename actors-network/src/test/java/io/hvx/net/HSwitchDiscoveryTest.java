package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.testing.Await;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.Test;

/**
 * How a node's switch actor keeps its tunnels when its copy of the receptionist lags: one node, a real
 * switch and receptionist; the peer switch is an actor that greets but is not (yet) listed here.
 */
class HSwitchDiscoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int PEER = 7;

  @Test
  void a_peer_that_greeted_before_it_was_listed_keeps_its_tunnel_until_it_terminates() {
    ActorTestKit testKit = ActorTestKit.create();
    try (EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
            new PeerKeys(new byte[32]))) {
      ActorRef<HSwitchActor.Command> actor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");
      ActorRef<HSwitchActor.Command> peer = testKit.spawn(Behaviors.ignore(), "peer-switch");
      actor.tell(new HSwitchActor.Hello(PEER, "127.0.0.1:" + Await.freeUdpPort(), peer));
      Await.until("tunnel to the greeting peer", WAIT, () -> hswitch.peers().contains(PEER));

      // The listing changes (another switch registers) and still lacks the peer: no sign that it left.
      TestProbe<Receptionist.Listing> listings = testKit.createTestProbe(Receptionist.Listing.class);
      testKit.system().receptionist().tell(Receptionist.subscribe(HSwitchActor.KEY, listings.ref()));
      ActorRef<HSwitchActor.Command> other = testKit.spawn(Behaviors.ignore(), "other-switch");
      testKit.system().receptionist().tell(Receptionist.register(HSwitchActor.KEY, other));
      while (!listings.receiveMessage(WAIT).getServiceInstances(HSwitchActor.KEY).contains(other)) {
        // earlier listings
      }
      // A round trip through the actor: the listing it got with ours is handled by then.
      TestProbe<HSwitchActor.CountersSnapshot> counters = testKit.createTestProbe(HSwitchActor.CountersSnapshot.class);
      actor.tell(new HSwitchActor.GetCounters(counters.ref()));
      counters.receiveMessage(WAIT);
      assertEquals(Set.of(PEER), hswitch.peers(), "the tunnel of a peer never listed here stays");

      testKit.stop(peer);
      Await.until("tunnel closed when the peer switch terminated", WAIT, () -> hswitch.peers().isEmpty());
    } finally {
      testKit.shutdownTestKit();
    }
  }
}
