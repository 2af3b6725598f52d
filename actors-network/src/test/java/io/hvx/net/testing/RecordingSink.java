package io.hvx.net.testing;

import io.hvx.net.switching.FrameSink;
import java.util.ArrayList;
import java.util.List;
import org.agrona.DirectBuffer;

/** A port egress that records frames (tests only; it allocates). */
public final class RecordingSink implements FrameSink {
  /** One recorded frame. */
  public record Sent(int networkId, byte[] bytes) {
    public int marker() {
      return bytes[14];
    }
  }

  private final List<Sent> sent = new ArrayList<>();
  private boolean refuse;

  @Override
  public synchronized boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
    if (refuse) {
      return false;
    }
    byte[] copy = new byte[length];
    buffer.getBytes(offset, copy);
    sent.add(new Sent(networkId, copy));
    return true;
  }

  public synchronized List<Sent> sent() {
    return List.copyOf(sent);
  }

  public synchronized void refuse() {
    refuse = true;
  }
}
