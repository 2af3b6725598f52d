package io.hvx.net.tunnel;

import static io.hvx.net.tunnel.LoopbackDatagrams.bound;
import static io.hvx.net.tunnel.LoopbackDatagrams.bytes;
import static io.hvx.net.tunnel.LoopbackDatagrams.connectedTo;
import static io.hvx.net.tunnel.LoopbackDatagrams.datagram;
import static io.hvx.net.tunnel.LoopbackDatagrams.expected;
import static io.hvx.net.tunnel.LoopbackDatagrams.socketOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A receiving socket read with UDP_GRO, between real UDP sockets on loopback. */
class CoalescedReaderTest {
  private DatagramChannel receiver;
  private CoalescedReader reader;
  private final ByteBuffer into = ByteBuffer.allocateDirect(65536);

  @BeforeEach
  void openReceiver() throws IOException {
    receiver = bound();
    reader = new CoalescedReader(socketOf(receiver));
  }

  @AfterEach
  void close() throws IOException {
    reader.close();
    receiver.close();
  }

  private DatagramChannel sender() throws IOException {
    return connectedTo(receiver);
  }

  /** The next datagram the reader gives out, into {@link #into}. */
  private InetSocketAddress next() {
    return next(reader, into);
  }

  /** The next datagram {@code from} gives out into {@code buffer}, waiting up to 5 s; null when none came. */
  private static InetSocketAddress next(CoalescedReader from, ByteBuffer buffer) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      InetSocketAddress source = from.receive(buffer);
      if (source != null) {
        return source;
      }
      Thread.onSpinWait();
    }
    return null;
  }

  @Test
  void a_segmented_message_is_read_at_once_and_given_out_as_its_datagrams_with_their_sender() throws IOException {
    assertTrue(reader.coalescing(), "this kernel has UDP_GRO (Linux 5.0 and later)");
    try (DatagramChannel sender = sender(); DatagramBatch batch = new DatagramBatch()) {
      int socket = socketOf(sender);
      batch.begin();
      for (int i = 0; i < 10; i++) {
        batch.stage(socket, datagram(i, 1400));
      }
      batch.stage(socket, datagram(10, 700));
      batch.end();
      for (int i = 0; i <= 10; i++) {
        int length = i < 10 ? 1400 : 700;
        assertEquals(sender.getLocalAddress(), next(), "datagram " + i + " has its sender");
        assertEquals(length, into.position(), "datagram " + i + " length, as a channel's receive leaves it");
        assertArrayEquals(expected(i, length), bytes(into, length), "datagram " + i);
        if (i == 0) {
          assertTrue(reader.holds(), "the first read took more than one datagram");
        }
      }
      assertFalse(reader.holds());
      assertNull(reader.receive(into), "nothing more");
    }
  }

  @Test
  void datagrams_from_two_senders_each_come_with_their_own_sender() throws IOException {
    try (DatagramChannel first = sender(); DatagramChannel second = sender()) {
      for (int i = 0; i < 4; i++) {
        DatagramChannel from = i % 2 == 0 ? first : second;
        from.write(datagram(i, 100 + i));
        assertEquals(from.getLocalAddress(), next(), "datagram " + i);
        assertEquals(100 + i, into.position());
        assertArrayEquals(expected(i, 100 + i), bytes(into, 100 + i));
      }
    }
  }

  @Test
  void a_datagram_over_ipv6_comes_with_its_ipv6_sender() throws IOException {
    InetAddress loopback6 = InetAddress.getByName("::1");
    DatagramChannel receiver6;
    try {
      receiver6 = DatagramChannel.open(StandardProtocolFamily.INET6).bind(new InetSocketAddress(loopback6, 0));
    } catch (IOException | UnsupportedOperationException e) {
      Assumptions.abort("this host has no IPv6 loopback: " + e);
      return;
    }
    try (receiver6; DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET6)
        .bind(new InetSocketAddress(loopback6, 0)); CoalescedReader reader6 =
        new CoalescedReader(socketOf(receiver6))) {
      receiver6.configureBlocking(false);
      sender.send(datagram(3, 300), receiver6.getLocalAddress());
      assertEquals(sender.getLocalAddress(), next(reader6, into));
      assertEquals(300, into.position());
      assertArrayEquals(expected(3, 300), bytes(into, 300));
    }
  }

  @Test
  void a_datagram_longer_than_the_buffer_loses_its_tail_and_the_next_one_comes_whole() throws IOException {
    ByteBuffer small = ByteBuffer.allocateDirect(1000);
    try (DatagramChannel sender = sender()) {
      sender.write(datagram(1, 1500));
      sender.write(datagram(2, 600));
      assertEquals(sender.getLocalAddress(), next(reader, small));
      assertEquals(1000, small.position(), "the buffer's worth");
      assertArrayEquals(bytes(datagram(1, 1500), 1000), bytes(small, 1000));
      assertEquals(sender.getLocalAddress(), next());
      assertEquals(600, into.position(), "the next datagram is whole");
      assertArrayEquals(expected(2, 600), bytes(into, 600));
    }
  }

  @Test
  void an_empty_socket_gives_nothing() {
    assertNull(reader.receive(into));
    assertFalse(reader.holds());
  }
}
