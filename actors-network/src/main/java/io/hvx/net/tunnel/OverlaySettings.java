package io.hvx.net.tunnel;

/**
 * Aeron channel parameters of the overlay. The MTU is at least 2048 (raised from Aeron's 1408) so that a
 * 1514-byte Ethernet frame plus GRE, offload, the overlay header and the AEAD tag (1570 bytes) travels as
 * one Aeron frame; {@link #AUTO_MTU} sizes it per peer to the route ({@link PathMtu}). GSO frames (up to
 * 64 KiB) larger than the MTU are fragmented by Aeron and reassembled by the receiver; the fragments leave
 * as one segmented message ({@link DatagramBatch}) and are read as one ({@link CoalescedReader}).
 */
public record OverlaySettings(int streamId, int mtu, int termLength, int receiverWindow) {
  /** The MTU value that means: per peer, from the interface the route to it leaves by. */
  public static final int AUTO_MTU = 0;
  /** The smallest MTU: a sealed full-size frame ({@link #MTU_MESSAGE}) and Aeron's 32-byte header, aligned. */
  public static final int MIN_MTU = 2048;
  /** Sealed message of a full 1500-MTU frame: header 24 + GRE 8 + offload 8 + Ethernet 1514 + tag 16. */
  public static final int MTU_MESSAGE = 24 + 8 + 8 + 1514 + 16;
  /** Largest sealed message: a GSO frame of 64 KiB. */
  public static final int MAX_MESSAGE = 24 + 8 + 8 + io.hvx.net.frame.Offload.MAX_FRAME_LENGTH + 16;

  /**
   * The receiver window (and socket buffer): 1 MiB, 16 datagrams of the largest MTU. Aeron's 128 KiB let
   * only two 64 KiB messages be in flight, and a sender waiting for the status message dropped frames.
   * One tunnel carries at most a window per round trip: 8 Gbit/s at 1 ms, 170 Mbit/s at 50 ms.
   */
  public static final int DEFAULT_RECEIVER_WINDOW = 1 << 20;
  /** The smallest receiver window a node may set: two of the largest messages in flight. */
  public static final int MIN_RECEIVER_WINDOW = 128 << 10;
  /** The largest: 64 MiB in flight, 5 Gbit/s at 100 ms; each peer then maps six 128 MiB terms. */
  public static final int MAX_RECEIVER_WINDOW = 64 << 20;
  /** Aeron takes messages of at most an eighth of the term: a GSO message needs a 1 MiB term. */
  private static final int MIN_TERM_LENGTH = 1 << 20;

  public OverlaySettings {
    if (mtu != AUTO_MTU && !isFixedMtu(mtu)) {
      throw new IllegalArgumentException("overlay MTU must be auto (0) or a multiple of 32 from " + MIN_MTU
          + " (a 1500-byte guest frame is never split) to " + PathMtu.MAX_MTU + " (Aeron's largest): " + mtu);
    }
    if (Integer.bitCount(termLength) != 1 || termLength < MIN_TERM_LENGTH) {
      throw new IllegalArgumentException("term length must be a power of two of at least 1 MiB: " + termLength);
    }
  }

  /** Whether {@code mtu} can be a fixed overlay MTU: a multiple of 32 from {@link #MIN_MTU} to Aeron's largest. */
  public static boolean isFixedMtu(int mtu) {
    return mtu % 32 == 0 && mtu >= MIN_MTU && mtu <= PathMtu.MAX_MTU;
  }

  public static OverlaySettings defaults() {
    return new OverlaySettings(0x4856, AUTO_MTU, termLengthFor(DEFAULT_RECEIVER_WINDOW), DEFAULT_RECEIVER_WINDOW);
  }

  /**
   * The term length a receiver window needs: Aeron lets at most half a term be in flight, so twice the
   * window as a power of two, 1 MiB at least. Each peer maps three terms for its publication and three for
   * its image, so the window sets a node's memory per peer too (12 MiB at the default 1 MiB).
   */
  public static int termLengthFor(int receiverWindow) {
    return Math.max(MIN_TERM_LENGTH, Integer.highestOneBit(2 * receiverWindow - 1) << 1);
  }

  /** Whether {@code window} can be a receiver window: from {@link #MIN_RECEIVER_WINDOW} to {@link #MAX_RECEIVER_WINDOW}. */
  public static boolean isReceiverWindow(long window) {
    return window >= MIN_RECEIVER_WINDOW && window <= MAX_RECEIVER_WINDOW;
  }

  /** The same settings with receiver window {@code window} and the term it needs ({@link #termLengthFor}). */
  public OverlaySettings withReceiverWindow(int window) {
    if (!isReceiverWindow(window)) {
      throw new IllegalArgumentException("overlay receiver window must be from 128 KiB to 64 MiB: " + window);
    }
    return new OverlaySettings(streamId, mtu, termLengthFor(window), window);
  }

  /** The same settings with another MTU ({@link #AUTO_MTU} or a fixed one). */
  public OverlaySettings withMtu(int newMtu) {
    return new OverlaySettings(streamId, newMtu, termLength, receiverWindow);
  }

  /** The MTU of the tunnel toward {@code endpoint}: the fixed one, or the route's. */
  int mtuToward(String endpoint) {
    return mtu == AUTO_MTU ? PathMtu.toward(endpoint) : mtu;
  }

  String channel(String endpoint) {
    // Linux caps SO_RCVBUF at net.core.rmem_max (208 KiB on a stock kernel): the window still holds, and
    // a datagram the socket cannot queue is recovered by Aeron's NAK.
    return "aeron:udp?endpoint=" + endpoint + "|mtu=" + mtuToward(endpoint) + "|term-length=" + termLength
        + (receiverWindow > 0 ? "|rcv-wnd=" + receiverWindow + "|so-rcvbuf=" + receiverWindow : "");
  }
}
