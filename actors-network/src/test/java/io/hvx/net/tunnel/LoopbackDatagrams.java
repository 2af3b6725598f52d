package io.hvx.net.tunnel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/** Non-blocking UDP sockets on loopback and numbered datagrams, for the batched send and read tests. */
final class LoopbackDatagrams {
  private LoopbackDatagrams() {}

  /** A non-blocking socket bound to a free loopback port. */
  static DatagramChannel bound() throws IOException {
    DatagramChannel channel = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    channel.configureBlocking(false);
    return channel;
  }

  /** A non-blocking loopback socket connected to {@code receiver}. */
  static DatagramChannel connectedTo(DatagramChannel receiver) throws IOException {
    DatagramChannel channel = bound();
    channel.connect(receiver.getLocalAddress());
    return channel;
  }

  /** The descriptor of {@code channel}; fails the test when the JDK hides it. */
  static int socketOf(DatagramChannel channel) {
    int socket = WatchedEndpoints.descriptor(channel);
    assertTrue(socket >= 0, "the test JVM must open sun.nio.ch (surefire's argLine does)");
    return socket;
  }

  /**
   * Where {@link #datagram} lays datagrams, one behind the other and around again, like an Aeron term:
   * a batch keeps large ones by reference until it sends them, so they must stay put that long (a batch
   * keeps at most {@link DatagramBatch#CAPACITY} bytes, far less than the ring).
   */
  private static final ByteBuffer RING = ByteBuffer.allocateDirect(8 << 20);
  private static int ringTail;

  /** Datagram number {@code seed}: {@code length} bytes that differ from every other number's. */
  static synchronized ByteBuffer datagram(int seed, int length) {
    if (ringTail + length > RING.capacity()) {
      ringTail = 0;
    }
    ByteBuffer buffer = RING.slice(ringTail, length);
    ringTail += length;
    byte[] bytes = expected(seed, length);
    buffer.put(0, bytes);
    return buffer;
  }

  /** The bytes of datagram number {@code seed}, to compare with what arrived. */
  static byte[] expected(int seed, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (seed * 31 + i);
    }
    return bytes;
  }

  /** The first {@code length} bytes of {@code buffer}, whatever its position. */
  static byte[] bytes(ByteBuffer buffer, int length) {
    byte[] bytes = new byte[length];
    buffer.get(0, bytes);
    return bytes;
  }
}
