package io.hvx.net.tunnel;

import static io.hvx.net.tunnel.LoopbackDatagrams.bound;
import static io.hvx.net.tunnel.LoopbackDatagrams.connectedTo;
import static io.hvx.net.tunnel.LoopbackDatagrams.datagram;
import static io.hvx.net.tunnel.LoopbackDatagrams.expected;
import static io.hvx.net.tunnel.LoopbackDatagrams.socketOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.linux.LibC;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Datagrams kept during a driver run and sent with sendmmsg and UDP GSO, between real UDP sockets on loopback. */
class DatagramBatchTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final Counters counters = new Counters();
  private final DatagramBatch batch = new DatagramBatch();
  private DatagramChannel receiver;
  private DatagramChannel sender;
  private int senderSocket;

  @BeforeEach
  void openSockets() throws IOException {
    batch.countIn(counters);
    receiver = bound();
    sender = connectedTo(receiver);
    senderSocket = socketOf(sender);
  }

  @AfterEach
  void closeSockets() throws IOException {
    sender.close();
    receiver.close();
    batch.close();
  }

  /** The next datagram on {@code channel}, waiting up to {@link #WAIT}; null when none came. */
  private static byte[] receive(DatagramChannel channel) throws IOException {
    ByteBuffer into = ByteBuffer.allocate(65536);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (channel.receive(into) != null) {
        into.flip();
        byte[] bytes = new byte[into.remaining()];
        into.get(bytes);
        return bytes;
      }
      Thread.onSpinWait();
    }
    return null;
  }

  @Test
  void datagrams_kept_during_a_run_leave_in_order_with_one_system_call_when_it_ends() throws IOException {
    batch.begin();
    for (int i = 0; i < 10; i++) {
      ByteBuffer datagram = datagram(i, 1000 + i);
      assertEquals(1000 + i, batch.stage(senderSocket, datagram), "the batch takes the whole datagram");
      assertEquals(0, datagram.remaining(), "and consumes it, as a socket write does");
    }
    ByteBuffer probe = ByteBuffer.allocate(2048);
    assertNull(receiver.receive(probe), "nothing leaves before the run ends");
    batch.end();
    for (int i = 0; i < 10; i++) {
      assertArrayEquals(expected(i, 1000 + i), receive(receiver), "datagram " + i + " arrives in order");
    }
    assertEquals(1, counters.get(Counter.OVERLAY_SEND_BATCHES));
    assertEquals(10, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS));
    assertEquals(0, counters.get(Counter.OVERLAY_REFUSED_DATAGRAMS));
  }

  @Test
  void a_large_datagram_in_direct_memory_leaves_from_where_it_lies_and_others_are_copied() throws IOException {
    // Aeron's data frames stay in the term until long after the batch sent them: the batch copies them no
    // more. Its small control frames come from buffers Aeron reuses, and heap buffers from anyone.
    ByteBuffer large = datagram(1, 1400);
    ByteBuffer small = datagram(2, 200);
    ByteBuffer heap = ByteBuffer.wrap(expected(3, 1400));
    batch.begin();
    for (ByteBuffer datagram : new ByteBuffer[] {large, small, heap}) {
      assertEquals(datagram.remaining(), batch.stage(senderSocket, datagram));
    }
    byte[] changed = expected(9, 1400);
    large.put(0, changed);
    small.put(0, changed, 0, 200);
    heap.put(0, changed);
    batch.end();
    assertArrayEquals(changed, receive(receiver), "the large direct datagram was sent from its own memory");
    assertArrayEquals(expected(2, 200), receive(receiver), "the small one was copied when it was kept");
    assertArrayEquals(expected(3, 1400), receive(receiver), "the heap one too");
  }

  @Test
  void outside_a_run_the_endpoint_sends_the_datagram_itself() {
    ByteBuffer datagram = datagram(1, 100);
    assertEquals(DatagramBatch.NOT_BATCHING, batch.stage(senderSocket, datagram));
    assertEquals(100, datagram.remaining(), "a datagram not taken is left as it was");
    batch.begin();
    batch.end();
    assertEquals(DatagramBatch.NOT_BATCHING, batch.stage(senderSocket, datagram), "nor after a run ended");
  }

  @Test
  void the_largest_overlay_datagram_is_batched() throws IOException {
    int largest = PathMtu.MAX_MTU;
    batch.begin();
    assertEquals(largest, batch.stage(senderSocket, datagram(4, largest)));
    batch.end();
    assertArrayEquals(expected(4, largest), receive(receiver));
    assertEquals(1, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS));
  }

  @Test
  void a_full_batch_sends_what_it_holds_and_takes_the_next_datagram() throws IOException {
    // Each datagram longer than the one before, so that none joins another as a segment.
    int count = DatagramBatch.MAX_MESSAGES + 3;
    batch.begin();
    for (int i = 0; i < count; i++) {
      assertEquals(100 + i, batch.stage(senderSocket, datagram(i, 100 + i)));
    }
    for (int i = 0; i < DatagramBatch.MAX_MESSAGES; i++) {
      assertArrayEquals(expected(i, 100 + i), receive(receiver), "datagram " + i + " left when the batch filled");
    }
    batch.end();
    for (int i = DatagramBatch.MAX_MESSAGES; i < count; i++) {
      assertArrayEquals(expected(i, 100 + i), receive(receiver), "datagram " + i + " left at the end");
    }
    assertEquals(2, counters.get(Counter.OVERLAY_SEND_BATCHES));
    assertEquals(0, counters.get(Counter.OVERLAY_SEGMENTED_SENDS));
  }

  /** Stages a GSO frame's worth of fragments: {@code full} datagrams of 1400 bytes, then one of 700. */
  private void stageFragments(int full) {
    for (int i = 0; i < full; i++) {
      assertEquals(1400, batch.stage(senderSocket, datagram(i, 1400)));
    }
    assertEquals(700, batch.stage(senderSocket, datagram(full, 700)));
  }

  @Test
  void equal_datagrams_to_one_socket_leave_as_one_segmented_message_and_arrive_as_the_same_datagrams()
      throws IOException {
    batch.begin();
    stageFragments(20);
    batch.end();
    for (int i = 0; i < 20; i++) {
      assertArrayEquals(expected(i, 1400), receive(receiver), "datagram " + i + " arrives as sent");
    }
    assertArrayEquals(expected(20, 700), receive(receiver), "the shorter last one too");
    assertNull(receiver.receive(ByteBuffer.allocate(2048)), "and nothing else");
    assertEquals(1, counters.get(Counter.OVERLAY_SEGMENTED_SENDS), "one message the kernel cut apart");
    assertEquals(21, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS));
    assertTrue(batch.segmenting(senderSocket));
  }

  @Test
  void a_socket_that_refuses_segmentation_gets_the_datagrams_one_by_one_and_later_batches_unsegmented()
      throws Throwable {
    // SO_NO_CHECK (UDP without checksums) is a real setting under which Linux refuses UDP GSO (EINVAL).
    setNoChecksum(senderSocket);
    batch.begin();
    stageFragments(5);
    batch.end();
    assertFalse(batch.segmenting(senderSocket), "the refusal turned segmentation off for that socket");
    batch.begin();
    stageFragments(3);
    batch.end();
    for (int round = 0; round < 2; round++) {
      int full = round == 0 ? 5 : 3;
      for (int i = 0; i < full; i++) {
        assertArrayEquals(expected(i, 1400), receive(receiver), "round " + round + " datagram " + i);
      }
      assertArrayEquals(expected(full, 700), receive(receiver), "round " + round + " last datagram");
    }
    assertEquals(10, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS));
    assertEquals(0, counters.get(Counter.OVERLAY_SEGMENTED_SENDS));
    assertEquals(0, counters.get(Counter.OVERLAY_REFUSED_DATAGRAMS));

    try (DatagramChannel otherSender = connectedTo(receiver)) {
      int otherSocket = socketOf(otherSender);
      batch.begin();
      batch.stage(otherSocket, datagram(0, 1400));
      batch.stage(otherSocket, datagram(1, 1400));
      batch.end();
      assertArrayEquals(expected(0, 1400), receive(receiver));
      assertArrayEquals(expected(1, 1400), receive(receiver));
      assertEquals(1, counters.get(Counter.OVERLAY_SEGMENTED_SENDS), "another socket still sends segmented");
    }
    batch.closing(senderSocket);
    assertTrue(batch.segmenting(senderSocket), "a socket opened later under the same descriptor may segment");
  }

  @Test
  void datagrams_the_kernel_holds_back_wait_in_order_for_the_next_flush_and_a_full_batch_takes_no_more()
      throws Throwable {
    // A Unix datagram pair whose reader does not read: the kernel answers EAGAIN once its queue is full,
    // which loopback UDP never does (its transmit frees the send buffer at once). Unsegmented: a Unix
    // socket ignores UDP_SEGMENT.
    try (Arena arena = Arena.ofConfined(); DatagramBatch unsegmented = new DatagramBatch(false)) {
      unsegmented.countIn(counters);
      MemorySegment pair = arena.allocate(ValueLayout.JAVA_INT, 2);
      int afUnix = 1;
      int sockDgramNonBlocking = 2 | 0x800;
      assertEquals(0, (int) socketpair().invokeExact(afUnix, sockDgramNonBlocking, 0, pair), "socketpair");
      int writer = pair.getAtIndex(ValueLayout.JAVA_INT, 0);
      int reader = pair.getAtIndex(ValueLayout.JAVA_INT, 1);
      try {
        unsegmented.begin();
        int staged = 0;
        while (staged < 100_000 && unsegmented.stage(writer, datagram(staged, 1000)) == 1000) {
          staged++;
        }
        assertTrue(staged < 100_000, "the batch refused a datagram once the kernel held earlier ones back");
        assertTrue(unsegmented.holdsBack());
        unsegmented.end();
        MemorySegment into = arena.allocate(2048);
        MemorySegment state = LibC.captureState(arena);
        int received = 0;
        for (int round = 0; round < 1000 && received < staged; round++) {
          long read;
          while ((read = (long) LibC.READ.invokeExact(state, reader, into, into.byteSize())) > 0) {
            assertEquals(1000, read);
            assertArrayEquals(expected(received, 1000), into.asSlice(0, 1000).toArray(ValueLayout.JAVA_BYTE),
                "datagram " + received + " arrives in order");
            received++;
          }
          unsegmented.begin();
          unsegmented.end();
        }
        assertEquals(staged, received, "every datagram the batch took arrived");
        assertFalse(unsegmented.holdsBack());
        assertEquals(0, counters.get(Counter.OVERLAY_REFUSED_DATAGRAMS));
      } finally {
        close(writer);
        close(reader);
      }
    }
  }

  private static MethodHandle socketpair() {
    Linker linker = Linker.nativeLinker();
    return linker.downcallHandle(linker.defaultLookup().find("socketpair").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));
  }

  private static void close(int descriptor) throws Throwable {
    int ignored = (int) LibC.CLOSE.invokeExact(descriptor);
  }

  private static void setNoChecksum(int socket) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle setsockopt = linker.downcallHandle(linker.defaultLookup().find("setsockopt").orElseThrow(),
        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    try (Arena arena = Arena.ofConfined()) {
      int solSocket = 1;
      int soNoCheck = 11;
      int result = (int) setsockopt.invokeExact(socket, solSocket, soNoCheck, arena.allocateFrom(ValueLayout.JAVA_INT, 1),
          4);
      assertEquals(0, result, "setsockopt SO_NO_CHECK");
    }
  }

  @Test
  void datagrams_for_two_sockets_each_leave_on_their_own_socket_in_order() throws IOException {
    try (DatagramChannel otherReceiver = bound(); DatagramChannel otherSender = connectedTo(otherReceiver)) {
      int otherSocket = socketOf(otherSender);
      batch.begin();
      for (int i = 0; i < 6; i++) {
        batch.stage(i % 3 == 0 ? otherSocket : senderSocket, datagram(i, 200));
      }
      batch.end();
      for (int i = 0; i < 6; i++) {
        DatagramChannel expectedAt = i % 3 == 0 ? otherReceiver : receiver;
        assertArrayEquals(expected(i, 200), receive(expectedAt), "datagram " + i);
      }
      assertNull(receiver.receive(ByteBuffer.allocate(256)), "no datagram went to the wrong socket");
      assertNull(otherReceiver.receive(ByteBuffer.allocate(256)), "no datagram went to the wrong socket");
    }
  }

  @Test
  void an_endpoint_closing_its_socket_first_sends_what_the_batch_kept_for_it() throws IOException {
    batch.begin();
    batch.stage(senderSocket, datagram(7, 300));
    batch.closing(senderSocket);
    assertArrayEquals(expected(7, 300), receive(receiver), "the kept datagram left before the close");
    batch.end();
    assertEquals(1, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS), "and only once");
  }

  @Test
  void an_earlier_datagrams_port_unreachable_error_costs_no_later_datagram() throws Exception {
    // A peer whose port closed: the first datagram draws an ICMP error that the next send reports.
    receiver.close();
    batch.begin();
    batch.stage(senderSocket, datagram(1, 100));
    batch.end();
    Thread.sleep(50);
    batch.begin();
    for (int i = 0; i < 3; i++) {
      batch.stage(senderSocket, datagram(i, 100));
    }
    batch.end();
    assertEquals(4, counters.get(Counter.OVERLAY_BATCHED_DATAGRAMS), "the reported error was retried once");
    assertEquals(0, counters.get(Counter.OVERLAY_REFUSED_DATAGRAMS));
  }
}
