package io.hvx.config.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.hvx.config.SettingsException;
import io.hvx.testkit.cluster.ClusterHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KryoSerializerTest {
  public record Ping(String text, List<Integer> numbers, Map<String, Long> sizes, ActorRef<Pong> replyTo)
      implements ClusterMessage {}

  public record Pong(String text) implements ClusterMessage {}

  record Unregistered(String text) implements ClusterMessage {}

  record PlainJava(String text) implements java.io.Serializable {}

  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("kryo", ConfigFactory.parseResources("kryo-test.conf").withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Serialization serialization() {
    return SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  @Test
  void cluster_messages_use_the_kryo_serializer() {
    Serializer serializer = serialization().findSerializerFor(new Pong("x"));
    assertInstanceOf(KryoSerializer.class, serializer);
  }

  @Test
  void a_message_with_collections_and_an_actor_reference_survives_a_round_trip() {
    TestProbe<Pong> probe = testKit.createTestProbe(Pong.class);
    Ping ping = new Ping("hello", List.of(1, 2, 3), Map.of("a", 1L, "b", 2L), probe.ref());
    byte[] bytes = serialization().serialize(ping).get();
    Object back = serialization().deserialize(bytes, KryoSerializer.IDENTIFIER, "").get();
    assertEquals(ping, back);
    ((Ping) back).replyTo().tell(new Pong("through a deserialized reference"));
    assertEquals("through a deserialized reference", probe.receiveMessage().text());
  }

  @Test
  void an_unregistered_class_is_refused_with_a_message_saying_how_to_register_it() {
    var e = assertThrows(Exception.class, () -> serialization().serialize(new Unregistered("x")).get());
    assertTrue(e.getMessage().contains("hvx.serialization.kryo.classes"), e.getMessage());
  }

  @Test
  void java_serialization_is_off() {
    assertThrows(Exception.class, () -> serialization().serialize(new PlainJava("x")).get());
  }

  @Test
  void garbage_bytes_are_refused_not_decoded() {
    var e =
        assertThrows(
            Exception.class,
            () -> serialization().deserialize(new byte[] {(byte) 0xff, 0x7f, 1, 2}, KryoSerializer.IDENTIFIER, "").get());
    assertTrue(e.getMessage().contains("malformed cluster message"), e.getMessage());
  }

  @Test
  void a_registration_id_reserved_for_the_serializer_names_the_key() {
    var config = ConfigFactory.parseString("hvx.serialization.kryo.classes { 5 = \"java.lang.String\" }");
    SettingsException e =
        assertThrows(SettingsException.class, () -> KryoRegistrations.from(config, getClass().getClassLoader()));
    assertEquals("hvx.serialization.kryo.classes.5", e.key());
  }

  @Test
  void a_class_missing_from_the_classpath_names_the_key() {
    var config = ConfigFactory.parseString("hvx.serialization.kryo.classes { 500 = \"no.such.Type\" }");
    SettingsException e =
        assertThrows(SettingsException.class, () -> KryoRegistrations.from(config, getClass().getClassLoader()));
    assertTrue(e.getMessage().contains("no.such.Type"), e.getMessage());
  }

  static final ServiceKey<Ping> ECHO = ServiceKey.create(Ping.class, "echo");

  static Behavior<Ping> echo() {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(ECHO, context.getSelf()));
      return Behaviors.receiveMessage(ping -> {
        ping.replyTo().tell(new Pong(ping.text() + " from " + context.getSystem().address()));
        return Behaviors.same();
      });
    });
  }

  @Test
  void a_message_crosses_between_two_nodes_and_the_reply_finds_its_way_back() {
    var config = ConfigFactory.parseResources("kryo-test.conf");
    try (ClusterHarness cluster = ClusterHarness.start(2, config, index -> index == 1 ? echo() : Behaviors.empty())) {
      cluster.awaitAllUp(Duration.ofSeconds(30));
      TestProbe<Receptionist.Listing> listings = cluster.probe(0, Receptionist.Listing.class);
      ActorRef<Ping> remoteEcho = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (remoteEcho == null && System.nanoTime() < deadline) {
        cluster.node(0).receptionist().tell(Receptionist.find(ECHO, listings.ref()));
        var found = listings.receiveMessage().getServiceInstances(ECHO);
        remoteEcho = found.isEmpty() ? null : found.iterator().next();
      }
      assertTrue(remoteEcho != null, "the echo actor on node 1 was never listed on node 0");
      TestProbe<Pong> replies = cluster.probe(0, Pong.class);
      remoteEcho.tell(new Ping("ping", List.of(7), Map.of(), replies.ref()));
      Pong pong = replies.receiveMessage(Duration.ofSeconds(10));
      assertEquals("ping from " + cluster.address(1), pong.text());
      var node1 = (ExtendedActorSystem) Adapter.toClassic(cluster.node(1));
      assertTrue(node1.provider().getDefaultAddress().port().isDefined());
    }
  }
}
