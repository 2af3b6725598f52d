package io.hvx.net.crypto;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReplayWindowTest {
  private final ReplayWindow window = new ReplayWindow();

  private void accept(long sequence) {
    assertTrue(window.isFresh(sequence), "fresh " + sequence);
    window.accept(sequence);
  }

  @Test
  void a_sequence_seen_once_is_rejected_the_second_time() {
    accept(1);
    accept(2);
    assertFalse(window.isFresh(1));
    assertFalse(window.isFresh(2));
  }

  @Test
  void late_but_unseen_sequences_inside_the_window_are_accepted_once() {
    accept(10);
    accept(7);
    assertFalse(window.isFresh(7));
    assertTrue(window.isFresh(8));
  }

  @Test
  void sequences_left_of_the_window_are_rejected() {
    accept(100);
    assertTrue(window.isFresh(100 - ReplayWindow.SIZE + 1));
    assertFalse(window.isFresh(100 - ReplayWindow.SIZE));
    accept(1000);
    assertFalse(window.isFresh(999 - ReplayWindow.SIZE));
  }

  @Test
  void sequence_zero_is_never_valid() {
    assertFalse(window.isFresh(0));
    assertFalse(window.isFresh(-5));
  }
}
