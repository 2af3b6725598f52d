package io.hvx.cpu.interp;

/** The x87 packed-BCD format (FBLD/FBSTP): 18 decimal digits in nine bytes, the sign in bit 7 of the tenth. */
final class Bcd {
    static final long MAX = 999_999_999_999_999_999L;
    /** The BCD indefinite value's low eight bytes and high two bytes. */
    static final long INDEFINITE_LO = 0xC000000000000000L;
    static final int INDEFINITE_HI = 0xFFFF;

    private Bcd() {
    }

    /** The magnitude of the BCD value whose bytes 0..7 are {@code lo} and bytes 8..9 {@code hi}. */
    static long magnitude(long lo, int hi) {
        long v = 0;
        for (int k = 1; k >= 0; k--) {
            v = v * 10 + ((hi >>> (4 * k)) & 0xF);
        }
        for (int k = 15; k >= 0; k--) {
            v = v * 10 + ((lo >>> (4 * k)) & 0xF);
        }
        return v;
    }

    static boolean negative(int hi) {
        return (hi & 0x8000) != 0;
    }

    /** Bytes 0..7 of the BCD encoding of the magnitude {@code v} (at most {@link #MAX}). */
    static long encodeLow(long v) {
        long out = 0;
        for (int k = 0; k < 16; k++) {
            out |= (v % 10) << (4 * k);
            v /= 10;
        }
        return out;
    }

    /** Bytes 8..9 of the BCD encoding of the magnitude {@code v} with the sign. */
    static int encodeHigh(long v, boolean negative) {
        for (int k = 0; k < 16; k++) {
            v /= 10;
        }
        int out = (int) ((v % 10) | ((v / 10) % 10) << 4);
        return out | (negative ? 0x8000 : 0);
    }
}
