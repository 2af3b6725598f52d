package io.hvx.net.crypto;

/**
 * Sliding anti-replay window over 64-bit sequence numbers, in the manner of IPsec ESP (RFC 4303
 * section 3.4.3): the highest sequence accepted so far plus a bitmap of the 64 before it. The check and
 * the update are separate because the window may move only after the frame authenticated.
 */
public final class ReplayWindow {
  public static final int SIZE = 64;

  private long highest;
  private long bitmap;

  /** True when {@code sequence} is new: above the window, or inside it and not yet seen. 0 is never valid. */
  public boolean isFresh(long sequence) {
    if (sequence <= 0) {
      return false;
    }
    if (sequence > highest) {
      return true;
    }
    long behind = highest - sequence;
    return behind < SIZE && (bitmap & (1L << behind)) == 0;
  }

  /** Records {@code sequence} as seen; call only after {@link #isFresh} and authentication passed. */
  public void accept(long sequence) {
    if (sequence > highest) {
      long shift = sequence - highest;
      bitmap = shift >= SIZE ? 1L : (bitmap << shift) | 1L;
      highest = sequence;
    } else {
      bitmap |= 1L << (highest - sequence);
    }
  }

  public void reset() {
    highest = 0;
    bitmap = 0;
  }
}
