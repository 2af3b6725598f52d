package io.hvx.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsoleRingTest {
  private static void write(ConsoleRing ring, String text) {
    for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
      ring.write(b);
    }
  }

  private static String text(ConsoleRing.Chunk chunk) {
    return new String(chunk.bytes(), StandardCharsets.US_ASCII);
  }

  @Test
  void aNewViewerGetsTheRecentOutputReplayed() {
    ConsoleRing ring = new ConsoleRing(16, Runnable::run);
    write(ring, "hello");
    ConsoleRing.Chunk chunk = ring.read(ring.oldest());
    assertEquals("hello", text(chunk));
    assertEquals(5, chunk.next());
  }

  @Test
  void theRingKeepsOnlyTheLastCapacityBytesAndCountsWhatALateViewerMissed() {
    ConsoleRing ring = new ConsoleRing(8, Runnable::run);
    write(ring, "0123456789abc");
    assertEquals(5, ring.oldest());
    ConsoleRing.Chunk chunk = ring.read(0);
    assertEquals("56789abc", text(chunk));
    assertEquals(5, chunk.skipped());
    assertEquals(5, ring.skipped());
  }

  @Test
  void severalViewersReadFromTheirOwnPositions() {
    ConsoleRing ring = new ConsoleRing(16, Runnable::run);
    write(ring, "abc");
    long first = ring.read(0).next();
    write(ring, "def");
    assertEquals("def", text(ring.read(first)));
    assertEquals("abcdef", text(ring.read(0)));
  }

  @Test
  void aWaitingViewerIsWokenByTheNextByteAndByTheEnd() throws Exception {
    ConsoleRing ring = new ConsoleRing(16, Runnable::run);
    CompletableFuture<ConsoleRing.Chunk> next = ring.next(0);
    assertFalse(next.isDone());
    ring.write('x');
    assertArrayEquals(new byte[] {'x'}, next.get(1, TimeUnit.SECONDS).bytes());

    CompletableFuture<ConsoleRing.Chunk> last = ring.next(1);
    ring.end();
    assertTrue(last.get(1, TimeUnit.SECONDS).ended());
    ring.reopen();
    assertFalse(ring.next(1).isDone(), "after reopen a viewer waits for new output again");
  }

  @Test
  void theEndIsReportedOnlyAfterTheViewerReadEverything() {
    ConsoleRing ring = new ConsoleRing(16, Runnable::run);
    write(ring, "bye");
    ring.end();
    ConsoleRing.Chunk chunk = ring.read(0);
    assertFalse(chunk.ended());
    assertTrue(ring.read(chunk.next()).ended());
  }
}
