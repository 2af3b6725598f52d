package io.hvx.net.switching;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/** A vPort egress that queues frames in a preallocated ring for a device thread to drain. */
public final class RingSink implements FrameSink {
  private final OneToOneRingBuffer ring;

  public RingSink(int capacityBytes) {
    this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
  }

  @Override
  public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
    return ring.write(IngressRing.FRAME_MESSAGE, buffer, offset, length);
  }

  /** Hands queued frames to {@code handler} on the device's thread; returns how many. */
  public int drain(MessageHandler handler, int limit) {
    return ring.read(handler, limit);
  }
}
