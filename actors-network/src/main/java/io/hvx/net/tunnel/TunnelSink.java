package io.hvx.net.tunnel;

import io.hvx.net.crypto.FrameCipher;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.GreHeader;
import io.hvx.net.frame.Offload;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.FrameSink;
import io.aeron.ExclusivePublication;
import java.nio.ByteOrder;
import javax.crypto.SecretKey;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The egress of the tunnel port towards one peer node: GRE-frames the Ethernet frame with the network
 * id as key, seals it with the direction key and offers it to the peer's Aeron publication. Used only on
 * the switch's data-plane thread; all buffers are preallocated.
 */
public final class TunnelSink implements FrameSink, EgressBackpressure.HeldSink, AutoCloseable {
  /** Offers retried at once before the message is held (a status message is usually microseconds away). */
  private static final int MAX_RETRIES = 100;
  /**
   * How long a held message may wait for the peer to make room before it is dropped: beyond it the peer is
   * taken as stalled, and frames for it are dropped at once (not held) until it takes one again, so that
   * one dead peer does not stall the node's local ports.
   */
  private static final long HOLD_LIMIT_NANOS = 20_000_000;

  private final int selfId;
  private final int peerId;
  private final long session;
  private final SecretKey key;
  private final ExclusivePublication publication;
  private final Counters counters;
  private final DriverDuty driverDuty;
  private final EgressBackpressure backpressure;
  private final FrameCipher cipher = new FrameCipher();
  private final byte[] sealed = new byte[OverlaySettings.MAX_MESSAGE];
  private final UnsafeBuffer sealedBuffer = new UnsafeBuffer(sealed);
  private final OverlayHeader header = new OverlayHeader().wrap(sealedBuffer);
  private final GreHeader gre = new GreHeader();
  private long sequence;
  private int heldLength;
  private long heldSince;
  private boolean stalled;

  TunnelSink(int selfId, int peerId, long session, SecretKey key, ExclusivePublication publication, Counters counters,
      DriverDuty driverDuty, EgressBackpressure backpressure) {
    this.selfId = selfId;
    this.peerId = peerId;
    this.session = session;
    this.key = key;
    this.publication = publication;
    this.counters = counters;
    this.driverDuty = driverDuty;
    this.backpressure = backpressure;
  }

  public int peerId() {
    return peerId;
  }

  public boolean isConnected() {
    return publication.isConnected();
  }

  @Override
  public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
    return transmitOffloaded(networkId, buffer, offset, length, Offload.NONE);
  }

  @Override
  public boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
    if (heldLength > 0 && !retryHeld(System.nanoTime())) {
      // Local ports are not read while a message is held; this frame came from a tunnel or a service.
      counters.increment(Counter.OVERLAY_BACK_PRESSURED_FRAMES);
      return false;
    }
    // One GSO frame becomes one sealed message; Aeron fragments it and the peer reassembles it.
    int sealedLength = seal(networkId, buffer, offset, length, offload);
    return sealedLength > 0 && send(sealedLength);
  }

  /** Offers a sealed message; holds it when the peer has no room yet, drops it when the peer stalled. */
  private boolean send(int length) {
    long result = offerWithRetries(length, stalled ? 0 : MAX_RETRIES);
    if (result >= 0) {
      stalled = false;
      counters.increment(Counter.OVERLAY_TX_FRAMES);
      return true;
    }
    if (stalled || !isRetryable(result) || backpressure == null) {
      counters.increment(Counter.OVERLAY_BACK_PRESSURED_FRAMES);
      return false;
    }
    heldLength = length;
    heldSince = System.nanoTime();
    backpressure.hold(this);
    return true;
  }

  @Override
  public boolean retryHeld(long now) {
    if (heldLength == 0) {
      return true;
    }
    long result = offerWithRetries(heldLength, 0);
    if (result >= 0) {
      heldLength = 0;
      counters.increment(Counter.OVERLAY_TX_FRAMES);
      return true;
    }
    if (!isRetryable(result) || now - heldSince > HOLD_LIMIT_NANOS) {
      heldLength = 0;
      stalled = true;
      counters.increment(Counter.OVERLAY_BACK_PRESSURED_FRAMES);
      return true;
    }
    return false;
  }

  private static boolean isRetryable(long result) {
    return result == ExclusivePublication.BACK_PRESSURED || result == ExclusivePublication.ADMIN_ACTION;
  }

  /** Seals one frame into {@link #sealedBuffer()}; returns the message length, or -1 when it is too long. */
  public int seal(int networkId, DirectBuffer buffer, int offset, int length) {
    return seal(networkId, buffer, offset, length, Offload.NONE);
  }

  private int seal(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
    int plainLength = GreHeader.LENGTH + OverlayHeader.OFFLOAD_LENGTH + length;
    if (plainLength + OverlayHeader.LENGTH + FrameCipher.TAG_LENGTH > OverlaySettings.MAX_MESSAGE
        || (offload == Offload.NONE && length > EthernetFrame.MAX_LENGTH)) {
      counters.increment(Counter.SWITCH_OVERSIZED_FRAMES);
      return -1;
    }
    gre.wrap(sealedBuffer, OverlayHeader.LENGTH).writeKeyedEthernet(networkId);
    sealedBuffer.putLong(OverlayHeader.LENGTH + GreHeader.LENGTH, offload, ByteOrder.BIG_ENDIAN);
    header.write(selfId, session, ++sequence);
    int headers = GreHeader.LENGTH + OverlayHeader.OFFLOAD_LENGTH;
    byte[] frameArray = buffer.byteArray();
    int cipherLength;
    if (frameArray != null) {
      // A frame on the heap is encrypted from where it lies straight behind the sealed headers.
      cipherLength = cipher.seal(key, selfId, sequence, sealed, OverlayHeader.LENGTH, headers, frameArray,
          buffer.wrapAdjustment() + offset, length);
    } else {
      // The JDK's GCM is slow on native memory: the frame is copied behind the headers and sealed there.
      buffer.getBytes(offset, sealed, OverlayHeader.LENGTH + headers, length);
      cipherLength = cipher.seal(key, selfId, sequence, sealed, OverlayHeader.LENGTH, plainLength);
    }
    return OverlayHeader.LENGTH + cipherLength;
  }

  /** The buffer {@link #seal} writes into; tests tamper with it before {@link #offer}. */
  public UnsafeBuffer sealedBuffer() {
    return sealedBuffer;
  }

  /**
   * Publishes the first {@code length} bytes of {@link #sealedBuffer()} to the peer, retrying briefly
   * while it is back-pressured; false when it could not (counted). Tests use it for crafted messages.
   */
  public boolean offer(int length) {
    long result = offerWithRetries(length, MAX_RETRIES);
    if (result < 0) {
      counters.increment(Counter.OVERLAY_BACK_PRESSURED_FRAMES);
      return false;
    }
    counters.increment(Counter.OVERLAY_TX_FRAMES);
    return true;
  }

  private long offerWithRetries(int length, int retries) {
    long result = publication.offer(sealedBuffer, 0, length);
    for (int retry = 0; retry < retries && isRetryable(result); retry++) {
      if (driverDuty == null) {
        Thread.onSpinWait();
      } else {
        // The driver runs on this thread: only running it here drains the publication.
        driverDuty.runNow(null, System.nanoTime());
      }
      result = publication.offer(sealedBuffer, 0, length);
    }
    if (result >= 0 && driverDuty != null) {
      // Published: the driver (run by this thread) sends it on the next poll.
      driverDuty.nudge();
    }
    return result;
  }

  @Override
  public void close() {
    publication.close();
  }
}
