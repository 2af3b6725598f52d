package io.hvx.net.tunnel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.hvx.net.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads a receiving UDP socket with {@code UDP_GRO} on: the kernel hands out a run of datagrams of one
 * flow as one buffer (a sender's segmented message, {@link DatagramBatch}, arrives that way over
 * loopback; a NIC's GRO coalesces them between hosts), and this reader gives them out one per
 * {@link #receive}, as Aeron's receiver expects. One system call then reads up to 64 KiB where
 * {@code recvfrom} read one datagram. Used by one thread at a time (the driver's lock).
 */
final class CoalescedReader implements AutoCloseable {
  /** Twice the most the kernel coalesces (64 KiB), so that nothing it hands out is cut short. */
  static final int CAPACITY = 128 * 1024;
  private static final int NAME_SPACE = 32;
  private static final int CONTROL_SPACE = 64;

  private final int socket;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment data = arena.allocate(CAPACITY, 64);
  private final UnsafeBuffer dataBuffer = new UnsafeBuffer(data.address(), CAPACITY);
  private final MemorySegment header = arena.allocate(LibC.MMSGHDR);
  private final MemorySegment iovec = arena.allocate(LibC.IOVEC);
  private final MemorySegment name = arena.allocate(NAME_SPACE, 8);
  private final MemorySegment control = arena.allocate(CONTROL_SPACE, 8);
  private final MemorySegment errnoState = LibC.captureState(arena);
  private final boolean coalescing;
  // The last sender's address, raw and as the JDK object handed to Aeron: a new object only when it changes.
  private final long[] cachedName = new long[NAME_SPACE / Long.BYTES];
  private InetSocketAddress cachedSource;
  // The buffer read last: datagrams [offset, end) of segmentSize bytes each (the last may be shorter).
  private int offset;
  private int end;
  private int segmentSize;

  /** A reader of {@code socket} (non-blocking, bound); turns {@code UDP_GRO} on where the kernel has it. */
  CoalescedReader(int socket) {
    this.socket = socket;
    iovec.set(JAVA_LONG, LibC.IOVEC_BASE, data.address());
    iovec.set(JAVA_LONG, LibC.IOVEC_LEN, CAPACITY);
    header.set(JAVA_LONG, LibC.MSGHDR_NAME, name.address());
    header.set(JAVA_LONG, LibC.MSGHDR_IOV, iovec.address());
    header.set(JAVA_LONG, LibC.MSGHDR_IOVLEN, 1L);
    header.set(JAVA_LONG, LibC.MSGHDR_CONTROL, control.address());
    MemorySegment on = arena.allocate(JAVA_INT);
    on.set(JAVA_INT, 0, 1);
    int result;
    try {
      result = (int) LibC.SETSOCKOPT.invokeExact(errnoState, socket, LibC.SOL_UDP, LibC.UDP_GRO, on.address(), 4);
    } catch (Throwable e) {
      throw new IllegalStateException("setsockopt could not be called", e);
    }
    this.coalescing = result == 0;
  }

  /** Whether the kernel coalesces datagrams for this socket (it has {@code UDP_GRO}). */
  boolean coalescing() {
    return coalescing;
  }

  /** Whether datagrams read from the socket wait to be given out: the socket need not be readable for more. */
  boolean holds() {
    return offset < end;
  }

  /**
   * Puts the next datagram into {@code buffer} from position 0 (its position after it, as a channel's
   * receive leaves it) and returns its sender, or returns null when the socket has none.
   */
  InetSocketAddress receive(ByteBuffer buffer) {
    if (offset >= end && !read()) {
      return null;
    }
    int datagram = Math.min(segmentSize, end - offset);
    // As a channel's receive does, a datagram longer than the buffer loses its tail (a UDP datagram can be
    // 65 507 bytes; Aeron's buffer holds its largest MTU, 65 504).
    int length = Math.min(datagram, buffer.capacity());
    buffer.clear();
    dataBuffer.getBytes(offset, buffer, 0, length);
    buffer.position(length);
    offset += datagram;
    return cachedSource;
  }

  private boolean read() {
    header.set(JAVA_INT, LibC.MSGHDR_NAMELEN, NAME_SPACE);
    header.set(JAVA_LONG, LibC.MSGHDR_CONTROLLEN, CONTROL_SPACE);
    long read;
    try {
      read = (long) LibC.RECVMSG.invokeExact(errnoState, socket, header.address(), LibC.MSG_DONTWAIT);
    } catch (Throwable e) {
      throw new IllegalStateException("recvmsg could not be called", e);
    }
    if (read <= 0 || !source()) {
      // Nothing waiting (EAGAIN), interrupted, or an empty datagram: as the channel's receive, nothing.
      return false;
    }
    int length = (int) read;
    if ((header.get(JAVA_INT, LibC.MSGHDR_FLAGS) & LibC.MSG_TRUNC) != 0) {
      // Cannot happen with a buffer twice GRO's limit; were it cut, the tail is lost and Aeron asks again.
      length = Math.min(length, CAPACITY);
    }
    segmentSize = segmentSize(length);
    offset = 0;
    end = length;
    return true;
  }

  /** The size of the datagrams in the buffer just read: the UDP_GRO control message's, or all of it. */
  private int segmentSize(int length) {
    long used = header.get(JAVA_LONG, LibC.MSGHDR_CONTROLLEN);
    if (used >= LibC.CMSGHDR_DATA + Integer.BYTES && control.get(JAVA_INT, LibC.CMSGHDR_LEVEL) == LibC.SOL_UDP
        && control.get(JAVA_INT, LibC.CMSGHDR_TYPE) == LibC.UDP_GRO) {
      int size = control.get(JAVA_INT, LibC.CMSGHDR_DATA);
      if (size > 0 && size < length) {
        return size;
      }
    }
    return length;
  }

  /** Takes the sender from the message name; false when it is no IPv4 or IPv6 address. */
  private boolean source() {
    boolean same = cachedSource != null;
    for (int i = 0; i < cachedName.length; i++) {
      long word = name.get(JAVA_LONG, (long) i * Long.BYTES);
      same &= word == cachedName[i];
      cachedName[i] = word;
    }
    if (same) {
      return true;
    }
    short family = name.get(JAVA_SHORT, 0);
    int port = Short.toUnsignedInt(name.get(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
    try {
      if (family == LibC.AF_INET) {
        cachedSource = new InetSocketAddress(InetAddress.getByAddress(name.asSlice(4, 4).toArray(JAVA_BYTE)), port);
      } else if (family == LibC.AF_INET6) {
        byte[] address = name.asSlice(8, 16).toArray(JAVA_BYTE);
        int scope = name.get(JAVA_INT, 24);
        cachedSource = new InetSocketAddress(scope == 0 ? InetAddress.getByAddress(address)
            : Inet6Address.getByAddress(null, address, scope), port);
      } else {
        cachedSource = null;
        return false;
      }
    } catch (UnknownHostException e) {
      cachedSource = null;
      return false;
    }
    return true;
  }

  @Override
  public void close() {
    arena.close();
  }
}
