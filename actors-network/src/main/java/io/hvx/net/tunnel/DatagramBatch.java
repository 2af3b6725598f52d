package io.hvx.net.tunnel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.hvx.net.linux.LibC;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The datagrams a driver's send endpoints hand over while the driver runs, kept and sent when the run
 * ends ({@link #flush}) with one {@code sendmmsg} per socket. Aeron sends each datagram with its own
 * system call, which costs microseconds on these hosts, and a GSO frame over a 9000-byte cloud MTU is
 * eight datagrams. Consecutive datagrams of one size to one socket travel as one message with
 * {@code UDP_SEGMENT} (UDP GSO), so that the kernel passes them down its stack once and cuts them into
 * datagrams at the end (or the NIC does); a socket whose route refuses it sends unsegmented from then on.
 * Every method runs under the driver's lock, so one thread at a time uses a batch.
 *
 * <p>A datagram of at least {@link #REFERENCE_MIN} bytes in a direct buffer is kept where it lies, not
 * copied: those are Aeron's data frames, which stay in the publication's term, untouched, long after the
 * batch sends them (the publisher writes at most half a term ahead of the sender in a log of three terms,
 * and terms are cleaned a whole term behind it, while a batch keeps at most {@link #CAPACITY} bytes).
 * Smaller datagrams (heartbeats, setup and RTT frames, from buffers Aeron reuses) are copied.
 *
 * <p>A datagram the batch cannot keep (full while the kernel holds earlier ones back) is refused with 0
 * bytes sent: Aeron counts a short send and offers the same data again on its next run, as it does when
 * the socket itself is full. Messages the kernel holds back ({@code EAGAIN}, {@code ENOBUFS}) stay, in
 * order, for the next flush; one the kernel refuses (after reporting an earlier ICMP error, once more) is
 * counted and left out, and the peer's receiver asks for the lost data again.
 */
final class DatagramBatch implements AutoCloseable {
  /** Most messages kept at once. */
  static final int MAX_MESSAGES = 64;
  /** Most datagrams in one segmented message (Linux's UDP_MAX_SEGMENTS). */
  static final int MAX_SEGMENTS = 64;
  /** Bytes kept at once: below Linux's default socket send buffer, so that one flush does not overrun it. */
  static final int CAPACITY = 128 * 1024;
  /** Largest segmented message: what one IPv4 or IPv6 UDP datagram can carry, with room to spare. */
  static final int MAX_SEGMENTED_BYTES = 65_000;
  /** Smallest datagram of a direct buffer kept by reference; Aeron's control frames are far smaller. */
  static final int REFERENCE_MIN = 1024;
  /** Returned by {@link #stage} when no run is open: the endpoint sends the datagram itself. */
  static final int NOT_BATCHING = -1;
  private static final long HEADER_SIZE = LibC.MMSGHDR.byteSize();
  private static final long IOVEC_SIZE = LibC.IOVEC.byteSize();
  // One cmsghdr with a 16-bit segment size, padded to 8 bytes: CMSG_SPACE(2) and CMSG_LEN(2).
  private static final long CONTROL_SPACE = 24;
  private static final long CONTROL_LENGTH = LibC.CMSGHDR_DATA + 2;
  private static final int LEFT_OUT = -1;
  // The slot after the last message: single datagrams sent when segmentation is refused.
  private static final int SPARE = MAX_MESSAGES;

  private final Arena arena = Arena.ofShared();
  private final MemorySegment data = arena.allocate(CAPACITY, 64);
  private final UnsafeBuffer dataBuffer = new UnsafeBuffer(data.address(), CAPACITY);
  private final MemorySegment headers = arena.allocate(LibC.MMSGHDR, MAX_MESSAGES + 1);
  private final MemorySegment iovecs = arena.allocate(LibC.IOVEC, MAX_MESSAGES + 1);
  private final MemorySegment controls = arena.allocate(CONTROL_SPACE * MAX_MESSAGES, 8);
  private final MemorySegment errnoState = LibC.captureState(arena);
  private final int[] sockets = new int[MAX_MESSAGES];
  private final int[] lengths = new int[MAX_MESSAGES];
  private final int[] segmentSizes = new int[MAX_MESSAGES];
  private final int[] segments = new int[MAX_MESSAGES];
  // Kept messages are slots [head, count) of used bytes; copied ones fill data from 0 to copied. Both are
  // freed when all have left.
  private int head;
  private int count;
  private int used;
  private int copied;
  private boolean open;
  private final boolean segmentation;
  // Bit d: socket d refused a segmented message (its route's MTU is below the segment size, or its device
  // has no checksum offload); its datagrams go unsegmented until it closes.
  private long[] unsegmented = new long[0];
  private Counters counters = new Counters();

  /** A batch that sends runs of equal datagrams as segmented messages when {@code segmentation}. */
  DatagramBatch(boolean segmentation) {
    this.segmentation = segmentation;
    for (int i = 0; i <= MAX_MESSAGES; i++) {
      long header = i * HEADER_SIZE;
      headers.set(JAVA_LONG, header + LibC.MSGHDR_IOV, iovecs.address() + i * IOVEC_SIZE);
      headers.set(JAVA_LONG, header + LibC.MSGHDR_IOVLEN, 1L);
    }
    for (int i = 0; i < MAX_MESSAGES; i++) {
      long control = i * CONTROL_SPACE;
      controls.set(JAVA_LONG, control, CONTROL_LENGTH);
      controls.set(JAVA_INT, control + LibC.CMSGHDR_LEVEL, LibC.SOL_UDP);
      controls.set(JAVA_INT, control + LibC.CMSGHDR_TYPE, LibC.UDP_SEGMENT);
    }
  }

  DatagramBatch() {
    this(true);
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

  /** Whether runs of equal datagrams to {@code socket} go as segmented messages (it never refused one). */
  boolean segmenting(int socket) {
    if (!segmentation) {
      return false;
    }
    int word = socket >>> 6;
    return word >= unsegmented.length || (unsegmented[word] & 1L << socket) == 0;
  }

  private void unsegmented(int socket, boolean refused) {
    int word = socket >>> 6;
    if (word >= unsegmented.length) {
      if (!refused) {
        return;
      }
      unsegmented = Arrays.copyOf(unsegmented, word + 1);
    }
    unsegmented[word] = refused ? unsegmented[word] | 1L << socket : unsegmented[word] & ~(1L << socket);
  }

  /**
   * Keeps {@code datagram}'s remaining bytes for {@code socket} and consumes them; returns the bytes
   * taken, 0 when the batch is full (send again later), or {@link #NOT_BATCHING} outside a run (or for a
   * datagram larger than any overlay MTU). A direct buffer's bytes of a datagram of {@link #REFERENCE_MIN}
   * or more must stay as they are until the batch has sent them (see the class comment).
   */
  int stage(int socket, ByteBuffer datagram) {
    int length = datagram.remaining();
    if (!open || length > CAPACITY) {
      // Larger than the batch (and than any overlay MTU): were one ever handed over, it goes its own way
      // rather than stall its publication.
      return NOT_BATCHING;
    }
    boolean reference = datagram.isDirect() && length >= REFERENCE_MIN;
    long address = reference ? BufferUtil.address(datagram) + datagram.position() : data.address() + copied;
    boolean join = joins(socket, address, length);
    if (!join && !fits(length)) {
      flush();
      if (!fits(length)) {
        return 0;
      }
      address = reference ? address : data.address() + copied;
    }
    if (!reference) {
      dataBuffer.putBytes(copied, datagram, datagram.position(), length);
      copied += length;
    }
    datagram.position(datagram.limit());
    if (join) {
      int last = count - 1;
      lengths[last] += length;
      if (++segments[last] == 2) {
        long control = controls.address() + last * CONTROL_SPACE;
        controls.set(JAVA_SHORT, last * CONTROL_SPACE + LibC.CMSGHDR_DATA, (short) segmentSizes[last]);
        headers.set(JAVA_LONG, last * HEADER_SIZE + LibC.MSGHDR_CONTROL, control);
        headers.set(JAVA_LONG, last * HEADER_SIZE + LibC.MSGHDR_CONTROLLEN, CONTROL_SPACE);
      }
      iovecs.set(JAVA_LONG, last * IOVEC_SIZE + LibC.IOVEC_LEN, lengths[last]);
    } else {
      int slot = count++;
      sockets[slot] = socket;
      lengths[slot] = length;
      segmentSizes[slot] = length;
      segments[slot] = 1;
      headers.set(JAVA_LONG, slot * HEADER_SIZE + LibC.MSGHDR_CONTROL, 0L);
      headers.set(JAVA_LONG, slot * HEADER_SIZE + LibC.MSGHDR_CONTROLLEN, 0L);
      iovecs.set(JAVA_LONG, slot * IOVEC_SIZE + LibC.IOVEC_BASE, address);
      iovecs.set(JAVA_LONG, slot * IOVEC_SIZE + LibC.IOVEC_LEN, length);
    }
    used += length;
    return length;
  }

  /**
   * Whether a datagram of {@code length} at {@code address} can end the last kept message: same socket,
   * right behind it in memory, every datagram so far of the first one's size, this one no longer (the
   * kernel cuts at that size; only the last may be shorter), and room left.
   */
  private boolean joins(int socket, long address, int length) {
    int last = count - 1;
    return last >= head && sockets[last] == socket
        && iovecs.get(JAVA_LONG, last * IOVEC_SIZE + LibC.IOVEC_BASE) + lengths[last] == address
        && segments[last] < MAX_SEGMENTS
        && lengths[last] == segmentSizes[last] * segments[last] && length <= segmentSizes[last]
        && lengths[last] + length <= MAX_SEGMENTED_BYTES && used + length <= CAPACITY && segmenting(socket);
  }

  private boolean fits(int length) {
    return count < MAX_MESSAGES && used + length <= CAPACITY;
  }

  /** Sends what is kept, one system call per run of messages to the same socket, until the kernel holds back. */
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
        // Held back: later messages to this socket must not overtake; the others wait with them.
        head = sent;
        return;
      }
      i = end;
    }
    head = 0;
    count = 0;
    used = 0;
    copied = 0;
  }

  /** Sends slots [from, to) to {@code socket}; returns the first slot the kernel held back, or {@code to}. */
  private int send(int socket, int from, int to) {
    boolean reported = false;
    while (from < to) {
      int sent = sendmmsg(socket, from, to - from);
      if (sent > 0) {
        counters.increment(Counter.OVERLAY_SEND_BATCHES);
        for (int i = from; i < from + sent; i++) {
          counters.add(Counter.OVERLAY_BATCHED_DATAGRAMS, segments[i]);
          if (segments[i] > 1) {
            counters.increment(Counter.OVERLAY_SEGMENTED_SENDS);
          }
        }
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
        // this call without sending anything: try each message once more before leaving it out.
        reported = true;
        continue;
      }
      if (errno == LibC.EINTR) {
        continue;
      }
      if (segments[from] > 1 && (errno == LibC.EIO || errno == LibC.EINVAL || errno == LibC.EMSGSIZE)) {
        // No UDP GSO on this socket (no checksum offload on the route's device, or a segment larger than
        // its MTU): this message goes datagram by datagram, and the socket's later ones unsegmented.
        unsegmented(socket, true);
        sendEach(socket, from);
      } else {
        counters.add(Counter.OVERLAY_REFUSED_DATAGRAMS, segments[from]);
      }
      from++;
    }
    return to;
  }

  /** Sends the datagrams of the segmented message in {@code slot} one by one, through the spare slot. */
  private void sendEach(int socket, int slot) {
    long base = iovecs.get(JAVA_LONG, slot * IOVEC_SIZE + LibC.IOVEC_BASE);
    int remaining = lengths[slot];
    long spareIovec = SPARE * IOVEC_SIZE;
    while (remaining > 0) {
      int length = Math.min(segmentSizes[slot], remaining);
      iovecs.set(JAVA_LONG, spareIovec + LibC.IOVEC_BASE, base);
      iovecs.set(JAVA_LONG, spareIovec + LibC.IOVEC_LEN, length);
      int sent = sendmmsg(socket, SPARE, 1);
      if (sent == 1) {
        counters.increment(Counter.OVERLAY_SEND_BATCHES);
        counters.increment(Counter.OVERLAY_BATCHED_DATAGRAMS);
      } else if (LibC.errno(errnoState) == LibC.EINTR) {
        continue;
      } else {
        counters.increment(Counter.OVERLAY_REFUSED_DATAGRAMS);
      }
      base += length;
      remaining -= length;
    }
  }

  private int sendmmsg(int socket, int slot, int messages) {
    try {
      return (int) LibC.SENDMMSG.invokeExact(errnoState, socket, headers.address() + slot * HEADER_SIZE, messages, 0);
    } catch (Throwable e) {
      throw new IllegalStateException("sendmmsg could not be called", e);
    }
  }

  /** Sends what {@code socket} has kept and drops the rest: its endpoint is about to close it. */
  void closing(int socket) {
    flush();
    // A later socket with this descriptor may take another route.
    unsegmented(socket, false);
    for (int i = head; i < count; i++) {
      if (sockets[i] == socket) {
        sockets[i] = LEFT_OUT;
        counters.add(Counter.OVERLAY_REFUSED_DATAGRAMS, segments[i]);
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
