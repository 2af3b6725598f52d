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

  /** Datagram number {@code seed}: {@code length} bytes that differ from every other number's. */
  static ByteBuffer datagram(int seed, int length) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(length);
    for (int i = 0; i < length; i++) {
      buffer.put(i, (byte) (seed * 31 + i));
    }
    return buffer;
  }

  /** The bytes of datagram number {@code seed}, to compare with what arrived. */
  static byte[] expected(int seed, int length) {
    return bytes(datagram(seed, length), length);
  }

  /** The first {@code length} bytes of {@code buffer}, whatever its position. */
  static byte[] bytes(ByteBuffer buffer, int length) {
    byte[] bytes = new byte[length];
    buffer.get(0, bytes);
    return bytes;
  }
}
