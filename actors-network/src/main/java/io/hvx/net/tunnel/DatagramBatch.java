package io.hvx.net.tunnel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.hvx.net.linux.LibC;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The datagrams a driver's send endpoints hand over while the driver runs, kept and sent with one
 * {@code sendmmsg} per socket when the run ends ({@link #flush}). Aeron sends each datagram with its own
 * system call, which costs microseconds on these hosts; a GSO frame over a 9000-byte cloud MTU is eight
 * datagrams. Every method runs under the driver's lock, so one thread at a time uses a batch.
 *
 * <p>A datagram the batch cannot keep (full while the kernel holds earlier ones back) is refused with 0
 * bytes sent: Aeron counts a short send and offers the same data again on its next run, as it does when
 * the socket itself is full. Datagrams the kernel holds back ({@code EAGAIN}, {@code ENOBUFS}) stay, in
 * order, for the next flush; one the kernel refuses (after reporting an earlier ICMP error, once more) is
 * counted and left out, and the peer's receiver asks for the lost data again.
 */
final class DatagramBatch implements AutoCloseable {
  /** Most datagrams kept at once: 64 of the smallest overlay MTU, 28 of a 9000-byte one. */
  static final int MAX_DATAGRAMS = 64;
  /** Bytes kept at once: below Linux's default socket send buffer, so that one flush does not overrun it. */
  static final int CAPACITY = 128 * 1024;
  /** Returned by {@link #stage} when no run is open: the endpoint sends the datagram itself. */
  static final int NOT_BATCHING = -1;
  private static final long HEADER_SIZE = LibC.MMSGHDR.byteSize();
  private static final long IOVEC_SIZE = LibC.IOVEC.byteSize();
  private static final long MSG_IOV = LibC.MMSGHDR.byteOffset(PathElement.groupElement("msg_iov"));
  private static final long MSG_IOVLEN = LibC.MMSGHDR.byteOffset(PathElement.groupElement("msg_iovlen"));
  private static final long IOV_BASE = LibC.IOVEC.byteOffset(PathElement.groupElement("iov_base"));
  private static final long IOV_LEN = LibC.IOVEC.byteOffset(PathElement.groupElement("iov_len"));
  private static final int LEFT_OUT = -1;

  private final Arena arena = Arena.ofShared();
  private final MemorySegment data = arena.allocate(CAPACITY, 64);
  private final UnsafeBuffer dataBuffer = new UnsafeBuffer(data.address(), CAPACITY);
  private final MemorySegment headers = arena.allocate(LibC.MMSGHDR, MAX_DATAGRAMS);
  private final MemorySegment iovecs = arena.allocate(LibC.IOVEC, MAX_DATAGRAMS);
  private final MemorySegment errnoState = LibC.captureState(arena);
  private final int[] sockets = new int[MAX_DATAGRAMS];
  // Kept datagrams are slots [head, count); their bytes fill data from 0 to used, freed when all have left.
  private int head;
  private int count;
  private int used;
  private boolean open;
  private Counters counters = new Counters();

  DatagramBatch() {
    for (int i = 0; i < MAX_DATAGRAMS; i++) {
      long header = i * HEADER_SIZE;
      headers.set(JAVA_LONG, header + MSG_IOV, iovecs.address() + i * IOVEC_SIZE);
      headers.set(JAVA_LONG, header + MSG_IOVLEN, 1L);
    }
  }

  /** Counts batched sends and refused datagrams in {@code target} from now on. */
  void countIn(Counters target) {
    counters = target;
  }

  /** A driver run begins: send endpoints hand their datagrams to the batch until {@link #end}. */
  void begin() {
    open = true;
  }

  /** Whether datagrams the kernel held back wait for the next flush. */
  boolean holdsBack() {
    return head < count;
  }

  /**
   * Keeps {@code datagram}'s remaining bytes for {@code socket} and consumes them; returns the bytes
   * taken, 0 when the batch is full (send again later), or {@link #NOT_BATCHING} outside a run.
   */
  int stage(int socket, ByteBuffer datagram) {
    if (!open) {
      return NOT_BATCHING;
    }
    int length = datagram.remaining();
    if (!fits(length)) {
      flush();
      if (!fits(length)) {
        return 0;
      }
    }
    dataBuffer.putBytes(used, datagram, datagram.position(), length);
    datagram.position(datagram.limit());
    long iovec = count * IOVEC_SIZE;
    iovecs.set(JAVA_LONG, iovec + IOV_BASE, data.address() + used);
    iovecs.set(JAVA_LONG, iovec + IOV_LEN, length);
    sockets[count++] = socket;
    used += length;
    return length;
  }

  private boolean fits(int length) {
    return count < MAX_DATAGRAMS && used + length <= CAPACITY;
  }

  /** Sends what is kept, one system call per run of datagrams to the same socket, until the kernel holds back. */
  void flush() {
    int i = head;
    while (i < count) {
      int socket = sockets[i];
      if (socket == LEFT_OUT) {
        i++;
        continue;
      }
      int end = i + 1;
      while (end < count && sockets[end] == socket) {
        end++;
      }
      int sent = send(socket, i, end);
      if (sent < end) {
        // Held back: later datagrams to this socket must not overtake; the others wait with them.
        head = sent;
        return;
      }
      i = end;
    }
    head = 0;
    count = 0;
    used = 0;
  }

  /** Sends slots [from, to) to {@code socket}; returns the first slot the kernel held back, or {@code to}. */
  private int send(int socket, int from, int to) {
    boolean reported = false;
    while (from < to) {
      int sent;
      try {
        sent = (int) LibC.SENDMMSG.invokeExact(errnoState, socket, headers.address() + from * HEADER_SIZE,
            to - from, 0);
      } catch (Throwable e) {
        throw new IllegalStateException("sendmmsg could not be called", e);
      }
      if (sent > 0) {
        counters.increment(Counter.OVERLAY_SEND_BATCHES);
        counters.add(Counter.OVERLAY_BATCHED_DATAGRAMS, sent);
        from += sent;
        reported = false;
        continue;
      }
      int errno = LibC.errno(errnoState);
      if (errno == LibC.EAGAIN || errno == LibC.ENOBUFS) {
        return from;
      }
      if (errno == LibC.ECONNREFUSED && !reported) {
        // An ICMP error an earlier datagram drew (the peer's port was closed), reported and cleared by
        // this call without sending anything: try each datagram once more before leaving it out.
        reported = true;
        continue;
      }
      if (errno != LibC.EINTR) {
        counters.increment(Counter.OVERLAY_REFUSED_DATAGRAMS);
        from++;
      }
    }
    return to;
  }

  /** Sends what {@code socket} has kept and drops the rest: its endpoint is about to close it. */
  void closing(int socket) {
    flush();
    for (int i = head; i < count; i++) {
      if (sockets[i] == socket) {
        sockets[i] = LEFT_OUT;
        counters.increment(Counter.OVERLAY_REFUSED_DATAGRAMS);
      }
    }
  }

  /** The run ends: sends what it kept; endpoints send by themselves until the next {@link #begin}. */
  void end() {
    open = false;
    flush();
  }

  /** Frees the batch's memory once the driver is closed and no endpoint uses it any more. */
  @Override
  public void close() {
    arena.close();
  }
}
