package io.hvx.net.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitingBackoffIdleStrategyTest {
  @Test
  void after_spins_and_yields_it_waits_on_the_waiter_with_doubling_timeouts_up_to_the_maximum() {
    List<Long> waits = new ArrayList<>();
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(3, 2, 0, 1_000, 5_000, 1_000_000, 9_000, () -> 0);
    idle.waitWith(waits::add);
    for (int i = 0; i < 3 + 2; i++) {
      idle.idle(0);
    }
    assertEquals(List.of(), waits, "spins and yields come first");
    for (int i = 0; i < 5; i++) {
      idle.idle(0);
    }
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 5_000L, 5_000L), waits);
  }

  @Test
  void work_starts_the_backoff_again() {
    List<Long> waits = new ArrayList<>();
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(0, 0, 0, 1_000, 8_000, 1_000_000, 9_000, () -> 0);
    idle.waitWith(waits::add);
    idle.idle(0);
    idle.idle(0);
    idle.idle(1);
    idle.idle(0);
    assertEquals(List.of(1_000L, 2_000L, 1_000L), waits);
  }

  @Test
  void after_a_quiet_spell_the_waits_deepen_and_work_makes_them_shallow_again() {
    List<Long> waits = new ArrayList<>();
    long[] now = {1_000};
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(0, 0, 0, 1_000, 4_000, 50_000, 100_000,
        () -> now[0]);
    idle.waitWith(nanos -> {
      waits.add(nanos);
      now[0] += nanos;
    });
    for (int i = 0; i < 16; i++) {
      idle.idle(0);
    }
    // 1+2+4+4... us: the spell reaches 50 us after the 14th wait; from then on the deep wait.
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L,
        4_000L, 4_000L, 4_000L, 100_000L, 100_000L), waits);
    waits.clear();
    idle.idle(1);
    idle.idle(0);
    assertEquals(List.of(1_000L), waits, "work ends the quiet spell");
  }

  @Test
  void with_a_traffic_count_only_traffic_ends_a_quiet_spell_and_other_work_only_restarts_the_short_waits() {
    List<Long> waits = new ArrayList<>();
    long[] now = {1_000};
    long[] frames = {0};
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(0, 0, 0, 1_000, 4_000, 10_000, 100_000,
        () -> now[0]);
    idle.quietWithout(() -> frames[0]);
    idle.waitWith(nanos -> {
      waits.add(nanos);
      now[0] += nanos;
    });
    for (int i = 0; i < 5; i++) {
      idle.idle(0);
    }
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 4_000L, 100_000L), waits, "11 us quiet: deep");
    waits.clear();
    idle.idle(1);
    idle.idle(0);
    idle.idle(0);
    assertEquals(List.of(100_000L, 100_000L), waits, "work without frames (a heartbeat) keeps the spell deep");

    waits.clear();
    frames[0]++;
    idle.idle(1);
    idle.idle(0);
    idle.idle(0);
    assertEquals(List.of(1_000L, 2_000L), waits, "a frame ends the quiet spell");
  }

  @Test
  void within_the_busy_window_after_a_frame_it_keeps_yielding_and_waits_once_the_window_has_passed() {
    List<Long> waits = new ArrayList<>();
    long[] now = {5_000};
    long[] frames = {0};
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(2, 1, 30_000, 1_000, 4_000, 1_000_000,
        9_000_000, () -> now[0]);
    idle.quietWithout(() -> frames[0]);
    idle.waitWith(waits::add);
    for (int i = 0; i < 3; i++) {
      idle.idle(0);
    }
    for (int i = 0; i < 30; i++) {
      idle.idle(0);
      now[0] += 1_000;
    }
    assertEquals(List.of(), waits, "within the 30 us window: yielding");
    idle.idle(0);
    idle.idle(0);
    assertEquals(List.of(1_000L, 2_000L), waits, "then the backoff waits as before");

    waits.clear();
    idle.idle(1);
    for (int i = 0; i < 3 + 10; i++) {
      idle.idle(0);
    }
    assertEquals(List.of(1_000L, 2_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L, 4_000L), waits,
        "work without a frame (a heartbeat) opens no window");
    waits.clear();
    frames[0]++;
    idle.idle(1);
    for (int i = 0; i < 3 + 10; i++) {
      idle.idle(0);
    }
    assertEquals(List.of(), waits, "a frame opens the window again");
  }

  @Test
  void waits_must_be_positive_and_ordered() {
    assertThrows(IllegalArgumentException.class, () -> new WaitingBackoffIdleStrategy(1, 1, 0, 0, 10, 100, 10));
    assertThrows(IllegalArgumentException.class, () -> new WaitingBackoffIdleStrategy(1, 1, 0, 20, 10, 100, 20));
    assertThrows(IllegalArgumentException.class, () -> new WaitingBackoffIdleStrategy(1, 1, 0, 10, 20, 100, 15));
    assertThrows(IllegalArgumentException.class, () -> new WaitingBackoffIdleStrategy(1, 1, -1, 10, 20, 100, 20));
  }

  @Test
  void one_strategy_refuses_a_second_threads_waiter() {
    WaitingBackoffIdleStrategy idle = new WaitingBackoffIdleStrategy(0, 0, 0, 1_000, 4_000, 50_000, 100_000, () -> 0);
    WaitingBackoffIdleStrategy.Waiter first = nanos -> { };
    idle.waitWith(first);
    idle.waitWith(first);
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> idle.waitWith(nanos -> { }));
    assertTrue(refused.getMessage().contains("its own"), refused.getMessage());
  }
}
