package io.hvx.net.tap;

import io.hvx.net.crypto.FrameCipher;
import io.hvx.net.linux.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A benchmark reference, not an overlay: relays every frame of a TAP (with offloads, as hSwitch opens
 * them) one to one as a UDP datagram to a peer relay on loopback and back, on one thread that waits in
 * {@code ppoll}. With {@code encrypt}, each frame is sealed with AES-256-GCM through {@link FrameCipher}
 * with the copies hSwitch makes around the cipher: read from the TAP onto the heap and sealed from there,
 * the sealed message copied into a native buffer to send (hSwitch: into Aeron's term), a received one
 * copied onto the heap to open, the opened frame written to the TAP from the heap; the key is fixed and
 * public. It is hSwitch's data path without Aeron, to show what Aeron costs in the same run. The TAP's
 * {@code gso_max_size} must leave its largest frame one datagram (about 65000 bytes).
 */
public final class UdpRelay implements AutoCloseable {
  private static final int HEADER = 24;
  private static final int BUFFER = 70_000;
  private static final long WAIT_NANOS = 100_000_000;

  private final TapDevice tap;
  private final DatagramChannel channel;
  private final boolean encrypt;
  private final int localPort;
  private final int remotePort;
  private final Thread thread;
  private volatile boolean running = true;

  private UdpRelay(TapDevice tap, DatagramChannel channel, boolean encrypt, int localPort, int remotePort) {
    this.tap = tap;
    this.channel = channel;
    this.encrypt = encrypt;
    this.localPort = localPort;
    this.remotePort = remotePort;
    this.thread = new Thread(this::run, "udp-relay-" + tap.name());
  }

  /** Opens TAP {@code tapName} and relays it between UDP port {@code localPort} and {@code remotePort} on 127.0.0.1. */
  public static UdpRelay start(String tapName, int localPort, int remotePort, boolean encrypt) throws IOException {
    TapDevice tap = TapDevice.open(tapName, true);
    DatagramChannel channel = DatagramChannel.open();
    channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
    channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
    channel.bind(new InetSocketAddress("127.0.0.1", localPort));
    channel.connect(new InetSocketAddress("127.0.0.1", remotePort));
    channel.configureBlocking(false);
    UdpRelay relay = new UdpRelay(tap, channel, encrypt, localPort, remotePort);
    relay.thread.start();
    return relay;
  }

  public String tapName() {
    return tap.name();
  }

  private void run() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = LibC.captureState(arena);
      MemorySegment rx = arena.allocate(BUFFER, 64);
      MemorySegment tx = arena.allocate(BUFFER, 64);
      byte[] read = new byte[BUFFER];
      MemorySegment readSegment = MemorySegment.ofArray(read);
      MemorySegment pollfds = arena.allocate(LibC.POLLFD, 2);
      MemorySegment timeout = arena.allocate(LibC.TIMESPEC);
      timeout.set(ValueLayout.JAVA_LONG, 8, WAIT_NANOS);
      pollfds.set(ValueLayout.JAVA_INT, 0, tap.fd());
      pollfds.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
      pollfds.set(ValueLayout.JAVA_INT, LibC.POLLFD.byteSize(), socketFd(channel));
      pollfds.set(ValueLayout.JAVA_SHORT, LibC.POLLFD.byteSize() + 4, LibC.POLLIN);
      ByteBuffer rxView = rx.asByteBuffer();
      ByteBuffer txView = tx.asByteBuffer();
      ByteBuffer datagram = ByteBuffer.allocateDirect(BUFFER);
      byte[] sealed = new byte[BUFFER];
      byte[] opened = new byte[BUFFER];
      MemorySegment openedSegment = MemorySegment.ofArray(opened);
      FrameCipher cipher = new FrameCipher();
      SecretKey key = new SecretKeySpec(new byte[32], "AES");
      long sequence = 0;
      while (running) {
        boolean worked = false;
        long n;
        while ((n = tap.read(state, encrypt ? readSegment : rx)) > 0) {
          worked = true;
          int length = (int) n;
          if (encrypt) {
            sequence++;
            for (int i = 0; i < Long.BYTES; i++) {
              sealed[i] = (byte) (sequence >>> (56 - 8 * i));
            }
            int sealedLength = cipher.seal(key, localPort, sequence, sealed, HEADER, 0, read, 0, length);
            channel.write(datagram.clear().put(sealed, 0, HEADER + sealedLength).flip());
          } else {
            channel.write(rxView.clear().limit(length));
          }
        }
        int received;
        while ((received = channel.read(encrypt ? datagram.clear() : txView.clear())) > 0) {
          worked = true;
          if (encrypt) {
            datagram.flip().get(sealed, 0, received);
            long peerSequence = 0;
            for (int i = 0; i < Long.BYTES; i++) {
              peerSequence = peerSequence << 8 | (sealed[i] & 0xFF);
            }
            int length = cipher.open(key, remotePort, peerSequence, sealed, 0, HEADER, received - HEADER, opened, 0);
            if (length >= 0) {
              tap.write(state, openedSegment, length);
            }
          } else {
            tap.write(state, tx, received);
          }
        }
        if (!worked) {
          int ignored = (int) LibC.PPOLL.invokeExact(state, pollfds, 2L, timeout, MemorySegment.NULL);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Throwable e) {
      throw new IllegalStateException("relay " + tap.name() + " failed: " + e, e);
    }
  }

  private static int socketFd(DatagramChannel channel) throws ReflectiveOperationException {
    // The JDK's channels know their descriptor; the benchmark JVM opens sun.nio.ch to reach it.
    var getFd = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
    getFd.setAccessible(true);
    return (int) getFd.invoke(channel);
  }

  @Override
  public void close() throws InterruptedException, IOException {
    running = false;
    thread.join(5_000);
    channel.close();
    tap.close();
  }
}
