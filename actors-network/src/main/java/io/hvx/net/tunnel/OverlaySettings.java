package io.hvx.net.tunnel;

/**
 * Aeron channel parameters of the overlay. The MTU is raised from Aeron's 1408 so that a 1514-byte
 * Ethernet frame plus GRE, offload, the overlay header and the AEAD tag (1570 bytes) travels as one
 * Aeron frame; GSO frames (up to 64 KiB) are fragmented by Aeron and reassembled by the receiver.
 */
public record OverlaySettings(int streamId, int mtu, int termLength, int receiverWindow) {
  /** Sealed message of a full 1500-MTU frame: header 24 + GRE 8 + offload 8 + Ethernet 1514 + tag 16. */
  public static final int MTU_MESSAGE = 24 + 8 + 8 + 1514 + 16;
  /** Largest sealed message: a GSO frame of 64 KiB. */
  public static final int MAX_MESSAGE = 24 + 8 + 8 + io.hvx.net.frame.Offload.MAX_FRAME_LENGTH + 16;
  /** Aeron's data frame header, which shares the MTU with the message. */
  static final int AERON_DATA_HEADER = 32;

  public OverlaySettings {
    if (mtu % 32 != 0 || mtu - AERON_DATA_HEADER < MTU_MESSAGE) {
      throw new IllegalArgumentException("overlay MTU must be a multiple of 32 and at least "
          + (MTU_MESSAGE + AERON_DATA_HEADER) + " so that a 1500-byte guest MTU is not fragmented: " + mtu);
    }
    // Aeron takes messages of at most an eighth of the term: a GSO message needs a 1 MiB term.
    if (Integer.bitCount(termLength) != 1 || termLength < 1 << 20) {
      throw new IllegalArgumentException("term length must be a power of two of at least 1 MiB: " + termLength);
    }
  }

  public static OverlaySettings defaults() {
    return new OverlaySettings(0x4856, 2048, 4 * 1024 * 1024, 0);
  }

  String channel(String endpoint) {
    // The receiver window stays at Aeron's default (128 KiB): a larger one needs an SO_RCVBUF as large,
    // which Linux's default net.core.rmem_max (208 KiB) refuses; 1 MiB gained nothing measurable here.
    return "aeron:udp?endpoint=" + endpoint + "|mtu=" + mtu + "|term-length=" + termLength
        + (receiverWindow > 0 ? "|rcv-wnd=" + receiverWindow + "|so-rcvbuf=" + receiverWindow : "");
  }
}
