package io.hvx.net.switching;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A frame buffer on the heap whose bytes in front of a frame handed to the switch are scratch: a sink may
 * write its own header there (a TAP port its virtio-net header) and hand header and frame to the kernel in
 * one system call, instead of copying the frame behind the header first. Buffers of any other type promise
 * nothing about the bytes in front of a frame (a ring's record header lies there).
 */
public final class HeadroomBuffer extends UnsafeBuffer {
  /** Frames of a buffer start at the same few places, so the memory views of those starts are kept. */
  private static final int KEPT_STARTS = 64;

  private final MemorySegment[] from = new MemorySegment[KEPT_STARTS];
  private byte[] viewed;

  /** A buffer over a new array of {@code capacity} bytes. */
  public HeadroomBuffer(int capacity) {
    super(new byte[capacity]);
  }

  /**
   * The memory of this buffer's array from index {@code start} on, to pass to a system call, or null when
   * {@code start} is not one of the first {@value #KEPT_STARTS}. Each start's view is made once, so that a
   * frame's system call allocates nothing whatever the JIT's escape analysis makes of it.
   */
  public MemorySegment memoryFrom(int start) {
    byte[] array = byteArray();
    if (array == null || start < 0 || start >= KEPT_STARTS) {
      return null;
    }
    if (array != viewed) {
      Arrays.fill(from, null);
      viewed = array;
    }
    MemorySegment view = from[start];
    if (view == null) {
      view = MemorySegment.ofArray(array).asSlice(start);
      from[start] = view;
    }
    return view;
  }
}
