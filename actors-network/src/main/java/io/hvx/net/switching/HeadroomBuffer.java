package io.hvx.net.switching;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A frame buffer on the heap whose bytes in front of a frame handed to the switch are scratch: a sink may
 * write its own header there (a TAP port its virtio-net header) and hand header and frame to the kernel in
 * one system call, instead of copying the frame behind the header first. Buffers of any other type promise
 * nothing about the bytes in front of a frame (a ring's record header lies there).
 */
public final class HeadroomBuffer extends UnsafeBuffer {
  /** A buffer over a new array of {@code capacity} bytes. */
  public HeadroomBuffer(int capacity) {
    super(new byte[capacity]);
  }
}
