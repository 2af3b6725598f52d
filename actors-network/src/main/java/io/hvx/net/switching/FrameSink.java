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

  /**
   * Takes one GSO frame (up to 64 KiB, segmented by whoever finally receives it) with its packed
   * {@link io.hvx.net.frame.Offload}. A sink that cannot segment refuses it, which the switch counts.
   */
  default boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
    return false;
  }
}
