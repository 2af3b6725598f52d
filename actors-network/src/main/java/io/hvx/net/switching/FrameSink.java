package io.hvx.net.switching;

import org.agrona.DirectBuffer;

/** Where a vPort puts the frames the switch sends out of it; called on the switch's data-plane thread. */
@FunctionalInterface
public interface FrameSink {
  /**
   * Takes one frame of logical network {@code networkId}; the bytes are only valid during the call.
   *
   * @return false when the frame could not be taken (the switch counts the drop)
   */
  boolean transmit(int networkId, DirectBuffer buffer, int offset, int length);
}
