package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VPortActorTest {
  private static ActorTestKit testKit;
  private static EmbeddedAeron aeron;
  private static HSwitch hswitch;
  private static ActorRef<HSwitchActor.Command> switchActor;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    aeron = EmbeddedAeron.launch();
    hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(new byte[32]));
    switchActor = testKit.spawn(HSwitchActor.create(hswitch), "hswitch");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    hswitch.close();
    aeron.close();
  }

  @Test
  void attaching_a_tap_creates_the_interface_and_detaching_removes_it() {
    String reason = Netns.unavailableReason("ip");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP vPort actor test: " + reason);
    String name = "hvxt" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    TestProbe<HSwitchActor.AttachResult> probe = testKit.createTestProbe();
    switchActor.tell(new HSwitchActor.AttachTap(3, 77, name, probe.ref()));
    HSwitchActor.AttachResult result = probe.receiveMessage(Duration.ofSeconds(10));
    HSwitchActor.Attached attached = (HSwitchActor.Attached) result;
    assertEquals(3, attached.portId());
    assertEquals(name, attached.interfaceName());
    Netns netns = new Netns();
    assertTrue(netns.run(10, "ip", "link", "show", name).ok(), "the TAP interface exists");

    switchActor.tell(new HSwitchActor.Detach(3));
    Await.until("TAP interface removed", Duration.ofSeconds(10), () -> !netns.run(10, "ip", "link", "show", name).ok());
  }

  @Test
  void a_bad_interface_name_is_reported_as_a_failed_attach_and_the_switch_keeps_working() {
    TestProbe<HSwitchActor.AttachResult> probe = testKit.createTestProbe();
    switchActor.tell(new HSwitchActor.AttachTap(4, 77, "a-name-far-too-long-for-linux", probe.ref()));
    HSwitchActor.AttachFailed failed = assertInstanceOf(HSwitchActor.AttachFailed.class, probe.receiveMessage());
    assertTrue(failed.reason().contains("1..15 characters"), failed.reason());

    switchActor.tell(new HSwitchActor.AttachDevice(-1, 77, (n, b, o, l) -> true, probe.ref()));
    assertInstanceOf(HSwitchActor.AttachFailed.class, probe.receiveMessage(), "a bad port id is refused");

    TestProbe<HSwitchActor.CountersSnapshot> counters = testKit.createTestProbe();
    switchActor.tell(new HSwitchActor.GetCounters(counters.ref()));
    assertFalse(counters.receiveMessage().values().isEmpty());
  }
}
