package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EscapeFilterTest {
  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void ordinaryKeysPassThrough() {
    EscapeFilter filter = new EscapeFilter();
    assertArrayEquals(bytes('l', 's', '\r'), filter.filter(bytes('l', 's', '\r'), 3));
    assertFalse(filter.detached());
  }

  @Test
  void ctrlBracketThenQDetachesAndSendsNothingAfterIt() {
    EscapeFilter filter = new EscapeFilter();
    assertArrayEquals(bytes('a'), filter.filter(bytes('a', 0x1d, 'q', 'b'), 4));
    assertTrue(filter.detached());
  }

  @Test
  void theSequenceIsRecognisedAcrossTwoReads() {
    EscapeFilter filter = new EscapeFilter();
    assertArrayEquals(bytes(), filter.filter(bytes(0x1d), 1));
    assertArrayEquals(bytes(), filter.filter(bytes('q'), 1));
    assertTrue(filter.detached());
  }

  @Test
  void ctrlBracketFollowedByAnotherKeyIsSentAsTyped() {
    EscapeFilter filter = new EscapeFilter();
    assertArrayEquals(bytes(0x1d, 'x'), filter.filter(bytes(0x1d, 'x'), 2));
    assertArrayEquals(bytes(0x1d), filter.filter(bytes(0x1d, 0x1d), 2), "the second Ctrl-] waits for its next key");
    assertFalse(filter.detached());
  }
}
