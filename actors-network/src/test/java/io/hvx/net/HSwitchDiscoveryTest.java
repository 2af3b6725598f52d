package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
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
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.Test;

/**
 * How a node's switch actor keeps its tunnels when its copy of the receptionist lags: one node, a real
 * switch and receptionist; the peer switch is an actor that greets but is not (yet) listed here.
 */
class HSwitchDiscoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int PEER = 7;

  @Test
  void a_peer_that_greeted_before_it_was_listed_keeps_its_tunnel_until_it_terminates() throws Exception {
    ActorTestKit testKit = ActorTestKit.create();
    try (EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
            new PeerKeys(new byte[32]));
        AutoCloseable node = testKit::shutdownTestKit) {
      ActorRef<HSwitchActor.Command> actor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");
      ActorRef<HSwitchActor.Command> peer = testKit.spawn(Behaviors.ignore(), "peer-switch");
      actor.tell(new HSwitchActor.Hello(PEER, "127.0.0.1:" + Await.freeUdpPort(), 0, false, peer));
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

  @Test
  void a_terminated_switch_whose_node_incarnation_is_still_a_member_keeps_its_tunnel_and_a_gone_one_loses_it()
      throws Exception {
    // Pekko reports every watched actor at an address terminated when an incarnation there is removed, so a
    // node restarted on the same host and port sees its new switch reported gone: the membership decides.
    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        """).withFallback(ConfigFactory.load()));
    try (EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
            new PeerKeys(new byte[32]));
        // Stops the node before its switch closes: leaving changes the listing, which the actor applies.
        AutoCloseable node = testKit::shutdownTestKit) {
      Cluster cluster = Cluster.get(testKit.system());
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      Await.until("the node is up", WAIT, () -> cluster.selfMember().status() == MemberStatus.up());
      long live = cluster.selfMember().uniqueAddress().longUid();
      ActorRef<HSwitchActor.Command> actor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");

      ActorRef<HSwitchActor.Command> restarted = testKit.spawn(Behaviors.ignore(), "restarted-switch");
      actor.tell(new HSwitchActor.Hello(PEER, "127.0.0.1:" + Await.freeUdpPort(), live, false, restarted));
      Await.until("tunnel to the greeting peer", WAIT, () -> hswitch.peers().contains(PEER));
      testKit.stop(restarted);
      ActorRef<HSwitchActor.Command> gone = testKit.spawn(Behaviors.ignore(), "gone-switch");
      actor.tell(new HSwitchActor.Hello(PEER + 1, "127.0.0.1:" + Await.freeUdpPort(), live + 1, false, gone));
      Await.until("tunnel to the second peer", WAIT, () -> hswitch.peers().contains(PEER + 1));
      testKit.stop(gone);

      Await.until("the tunnel of the peer whose incarnation left is closed", WAIT,
          () -> !hswitch.peers().contains(PEER + 1));
      assertEquals(Set.of(PEER), hswitch.peers(), "the tunnel of the member's switch stays");
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void a_hello_that_asks_for_an_answer_is_answered_even_by_a_switch_that_greeted_already() {
    ActorTestKit testKit = ActorTestKit.create();
    try (EmbeddedAeron aeron = EmbeddedAeron.launch();
        HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
            new PeerKeys(new byte[32]))) {
      ActorRef<HSwitchActor.Command> actor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");
      awaitListed(testKit, actor);
      TestProbe<HSwitchActor.Command> peer = testKit.createTestProbe(HSwitchActor.Command.class);
      String endpoint = "127.0.0.1:" + Await.freeUdpPort();
      actor.tell(new HSwitchActor.Hello(PEER, endpoint, 0, false, peer.ref()));
      HSwitchActor.Hello first = peer.expectMessageClass(HSwitchActor.Hello.class, WAIT);
      assertEquals(1, first.nodeId());
      assertEquals(false, first.answer(), "an answer asks for none");

      actor.tell(new HSwitchActor.Hello(PEER, endpoint, 0, false, peer.ref()));
      peer.expectNoMessage(Duration.ofMillis(300));
      actor.tell(new HSwitchActor.Hello(PEER, endpoint, 0, true, peer.ref()));
      assertEquals(hswitch.endpoint(), peer.expectMessageClass(HSwitchActor.Hello.class, WAIT).endpoint());
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /** Waits until the switch is listed and has handled that listing (which resets whom it has greeted). */
  private static void awaitListed(ActorTestKit testKit, ActorRef<HSwitchActor.Command> actor) {
    TestProbe<Receptionist.Listing> listings = testKit.createTestProbe(Receptionist.Listing.class);
    testKit.system().receptionist().tell(Receptionist.subscribe(HSwitchActor.KEY, listings.ref()));
    while (!listings.receiveMessage(WAIT).getServiceInstances(HSwitchActor.KEY).contains(actor)) {
      // earlier listings
    }
    TestProbe<HSwitchActor.CountersSnapshot> counters = testKit.createTestProbe(HSwitchActor.CountersSnapshot.class);
    actor.tell(new HSwitchActor.GetCounters(counters.ref()));
    counters.receiveMessage(WAIT);
  }
}
