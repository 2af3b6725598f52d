package io.hvx.cpu.oracle;

import io.hvx.cpu.interp.CpuState;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Random x87/SSE states as FXSAVE images for the host, the same state for the interpreter, and the
 * comparison of the two afterwards.
 */
final class FpuState {
    private FpuState() {
    }

    /** A random extended-precision value: sign and exponent in bits 64..79 of the pair (se, m). */
    static void randomExtended(SplittableRandom rnd, long[] out, boolean moderate) {
        int sign = rnd.nextBoolean() ? 0x8000 : 0;
        long m = rnd.nextLong() | 0x8000000000000000L;
        int e;
        if (moderate) {
            e = 16383 - 2 - rnd.nextInt(2);
            out[0] = sign | e;
            out[1] = m;
            return;
        }
        switch (rnd.nextInt(20)) {
            case 0 -> {
                e = 0;
                m = 0;
            }
            case 1 -> {
                e = 0;
                m &= Long.MAX_VALUE >>> rnd.nextInt(63); // denormal
            }
            case 2 -> {
                e = 0x7FFF;
                m = 0x8000000000000000L; // infinity
            }
            case 3 -> {
                e = 0x7FFF;
                m |= 0x4000000000000000L; // quiet NaN
            }
            case 4 -> {
                e = 0x7FFF;
                m &= ~0x4000000000000000L;
                m |= 1; // signaling NaN
            }
            case 5 -> e = 1 + rnd.nextInt(70); // near the bottom of the range
            case 6 -> e = 0x7FFE - rnd.nextInt(70); // near the top
            case 7 -> { // an integer-valued number
                long v = rnd.nextInt(1 << 20) + 1;
                int lz = Long.numberOfLeadingZeros(v);
                m = v << lz;
                e = 16383 + 63 - lz;
            }
            case 8 -> { // a short significand (exact in double or float)
                m &= rnd.nextBoolean() ? 0xFFFFFF0000000000L : 0xFFFFFFFFFFFFF800L;
                e = 16383 + rnd.nextInt(128) - 64;
            }
            case 9 -> { // half-way and other rounding boundaries
                m = (m & 0xFFFFFFFFFFFFF000L) | (rnd.nextBoolean() ? 0x400 : 0x800) | 0x8000000000000000L;
                e = 16383 + rnd.nextInt(40) - 20;
            }
            case 10 -> e = 16383 + 62 + rnd.nextInt(4); // around 2^63 (integer conversions)
            case 11 -> e = 16383 + 14 + rnd.nextInt(20); // around 2^16..2^33
            case 12 -> e = 16383 - 1022 - rnd.nextInt(3) + rnd.nextInt(3); // double's denormal border
            case 13 -> e = 16383 + 1023 - rnd.nextInt(3) + rnd.nextInt(3); // double's overflow border
            default -> e = 16383 + rnd.nextInt(64) - 32;
        }
        out[0] = sign | e;
        out[1] = m;
    }

    /** A random control word with all exceptions masked and a random rounding and precision control. */
    static int randomControlWord(SplittableRandom rnd) {
        int[] pcs = {0, 2, 3, 3};
        return 0x7F | pcs[rnd.nextInt(4)] << 8 | rnd.nextInt(4) << 10;
    }

    /** Fills an FXSAVE image with a random x87 state and the given XMM registers. */
    static void fill(SplittableRandom rnd, byte[] fx, long[] xmm, boolean moderate) {
        ByteBuffer b = ByteBuffer.wrap(fx).order(ByteOrder.LITTLE_ENDIAN);
        java.util.Arrays.fill(fx, (byte) 0);
        b.putShort(0, (short) randomControlWord(rnd));
        int top = rnd.nextInt(8);
        int sw = (rnd.nextInt(4) == 0 ? rnd.nextInt(0x40) : 0) | top << 11
                | (rnd.nextInt(16) & 7) << 8 | (rnd.nextBoolean() ? 0x4000 : 0);
        b.putShort(2, (short) sw);
        int tags = 0;
        int depth = rnd.nextInt(10);
        for (int k = 0; k < 8; k++) {
            boolean valid = depth >= 9 ? rnd.nextBoolean() : k < depth;
            if (valid) {
                tags |= 1 << ((top + k) & 7);
            }
        }
        b.put(4, (byte) tags);
        // random rounding control, sometimes FTZ/DAZ, all exceptions masked, sometimes sticky flags already set
        int mxcsr = 0x1F80 | rnd.nextInt(4) << 13;
        if (rnd.nextInt(8) == 0) {
            mxcsr |= 0x8040;
        }
        if (rnd.nextInt(8) == 0) {
            mxcsr |= rnd.nextInt(0x40);
        }
        b.putInt(24, mxcsr);
        b.putInt(28, 0xFFFF);
        long[] v = new long[2];
        for (int k = 0; k < 8; k++) {
            randomExtended(rnd, v, moderate);
            b.putLong(32 + k * 16, v[1]);
            b.putShort(40 + k * 16, (short) v[0]);
        }
        for (int k = 0; k < 32; k++) {
            b.putLong(160 + k * 8, xmm[k]);
        }
    }

    /** Loads the image into the interpreter's state. */
    static void load(byte[] fx, CpuState cpu) {
        ByteBuffer b = ByteBuffer.wrap(fx).order(ByteOrder.LITTLE_ENDIAN);
        cpu.fcw = b.getShort(0) & 0xFFFF;
        int sw = b.getShort(2) & 0xFFFF;
        cpu.fsw = sw & ~0x3800;
        cpu.fpTop = (sw >>> 11) & 7;
        cpu.fpTags = b.get(4) & 0xFF;
        cpu.mxcsr = b.getInt(24);
        for (int k = 0; k < 8; k++) {
            int p = (cpu.fpTop + k) & 7;
            cpu.fpMant[p] = b.getLong(32 + k * 16);
            cpu.fpExp[p] = b.getShort(40 + k * 16) & 0xFFFF;
        }
        for (int k = 0; k < 32; k++) {
            cpu.xmm[k] = b.getLong(160 + k * 8);
        }
    }

    /**
     * Appends the differences between the host's image and the interpreter's state. {@code swMask} selects
     * the status-word bits compared; {@code slack} is the number of low significand bits ignored.
     */
    static void compare(byte[] fx, CpuState cpu, int swMask, int slack, StringBuilder diff) {
        ByteBuffer b = ByteBuffer.wrap(fx).order(ByteOrder.LITTLE_ENDIAN);
        int fcw = b.getShort(0) & 0xFFFF;
        if (fcw != cpu.fcw) {
            diff.append(String.format("  fcw host=%04x hvx=%04x%n", fcw, cpu.fcw));
        }
        int sw = b.getShort(2) & 0xFFFF;
        int hvxSw = (cpu.fsw & ~0x3800) | cpu.fpTop << 11;
        if ((sw & swMask) != (hvxSw & swMask)) {
            diff.append(String.format("  fsw host=%04x hvx=%04x (compared %04x)%n", sw, hvxSw, swMask));
        }
        int tags = b.get(4) & 0xFF;
        if (tags != cpu.fpTags) {
            diff.append(String.format("  ftw host=%02x hvx=%02x%n", tags, cpu.fpTags));
        }
        int mxcsr = b.getInt(24);
        if (mxcsr != cpu.mxcsr) {
            diff.append(String.format("  mxcsr host=%08x hvx=%08x%n", mxcsr, cpu.mxcsr));
        }
        int top = (sw >>> 11) & 7;
        for (int k = 0; k < 8; k++) {
            int p = (top + k) & 7;
            long m = b.getLong(32 + k * 16);
            int se = b.getShort(40 + k * 16) & 0xFFFF;
            long hm = cpu.fpMant[(cpu.fpTop + k) & 7];
            int hse = cpu.fpExp[(cpu.fpTop + k) & 7];
            boolean same = se == hse && (slack == 0 ? m == hm : Math.abs(m - hm) < (1L << slack));
            if (!same && (tags & (1 << p)) != 0) {
                diff.append(String.format("  st%d host=%04x_%016x hvx=%04x_%016x%n", k, se, m, hse, hm));
            }
        }
        for (int k = 0; k < 32; k++) {
            long x = b.getLong(160 + k * 8);
            if (x != cpu.xmm[k]) {
                diff.append(String.format("  xmm%d.%s host=%016x hvx=%016x%n", k / 2, (k & 1) == 0 ? "lo" : "hi",
                        x, cpu.xmm[k]));
            }
        }
    }
}
