package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnconfirmedWritesTest {
  @Test
  void a_snapshot_older_than_the_writes_gets_them_back_in_order() {
    UnconfirmedWrites<String> pending = new UnconfirmedWrites<>();
    pending.add(new UnconfirmedWrites.Put<>("net", "v1"));
    pending.add(new UnconfirmedWrites.Put<>("net", "v2"));
    pending.add(new UnconfirmedWrites.Put<>("gone", null));
    Map<String, String> snapshot = new HashMap<>(Map.of("net", "v0", "gone", "x", "other", "y"));
    pending.applyTo(snapshot);
    assertEquals(Map.of("net", "v2", "other", "y"), snapshot);
  }

  @Test
  void each_of_two_equal_writes_leaves_on_its_own_confirmation() {
    UnconfirmedWrites<String> pending = new UnconfirmedWrites<>();
    UnconfirmedWrites.Put<String> first = new UnconfirmedWrites.Put<>("net", "v1");
    UnconfirmedWrites.Put<String> second = new UnconfirmedWrites.Put<>("net", "v1");
    pending.add(first);
    pending.add(second);
    pending.confirmed(first);
    Map<String, String> snapshot = new HashMap<>();
    pending.applyTo(snapshot);
    assertEquals(Map.of("net", "v1"), snapshot, "the second, equal write is still unconfirmed");
    pending.confirmed(second);
    snapshot.clear();
    pending.applyTo(snapshot);
    assertEquals(Map.of(), snapshot);
  }
}
