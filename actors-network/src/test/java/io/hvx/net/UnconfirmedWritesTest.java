package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnconfirmedWritesTest {
  /** A write that puts {@code value} under {@code key}, or removes the key when value is null. */
  private record Put(String key, String value) implements UnconfirmedWrites.Write<String> {
    @Override
    public void applyTo(Map<String, String> view) {
      if (value == null) {
        view.remove(key);
      } else {
        view.put(key, value);
      }
    }
  }

  @Test
  void a_snapshot_older_than_the_writes_gets_them_back_in_order() {
    UnconfirmedWrites<String> pending = new UnconfirmedWrites<>();
    pending.add(new Put("net", "v1"));
    pending.add(new Put("net", "v2"));
    pending.add(new Put("gone", null));
    Map<String, String> snapshot = new HashMap<>(Map.of("net", "v0", "gone", "x", "other", "y"));
    pending.applyTo(snapshot);
    assertEquals(Map.of("net", "v2", "other", "y"), snapshot);
  }

  @Test
  void each_of_two_equal_writes_leaves_on_its_own_confirmation() {
    UnconfirmedWrites<String> pending = new UnconfirmedWrites<>();
    Put first = new Put("net", "v1");
    Put second = new Put("net", "v1");
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
