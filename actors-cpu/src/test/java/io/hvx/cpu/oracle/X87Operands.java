package io.hvx.cpu.oracle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Memory operands for x87 forms: floats, doubles, extended values, integers, BCD and environments. */
final class X87Operands {
    private X87Operands() {
    }

    /** Writes an operand suited to the form (opcode byte, ModRM.reg) at {@code at} in the page. */
    static void fill(SplittableRandom rnd, byte[] page, int at, int opcode, int reg, boolean moderate) {
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[2];
        switch (opcode) {
            case 0xD8 -> b.putInt(at, (int) ieee(rnd, 8, 23, moderate));
            case 0xDC -> b.putLong(at, ieee(rnd, 11, 52, moderate));
            case 0xDA -> b.putInt(at, (int) integer(rnd, 32));
            case 0xDE -> b.putShort(at, (short) integer(rnd, 16));
            case 0xD9 -> {
                switch (reg) {
                    case 0 -> b.putInt(at, (int) ieee(rnd, 8, 23, moderate));
                    case 4 -> environment(rnd, b, at, false);
                    case 5 -> b.putShort(at, (short) FpuState.randomControlWord(rnd));
                    default -> { }
                }
            }
            case 0xDB -> {
                if (reg == 0) {
                    b.putInt(at, (int) integer(rnd, 32));
                } else if (reg == 5) {
                    FpuState.randomExtended(rnd, v, moderate);
                    b.putLong(at, v[1]);
                    b.putShort(at + 8, (short) v[0]);
                }
            }
            case 0xDD -> {
                if (reg == 0) {
                    b.putLong(at, ieee(rnd, 11, 52, moderate));
                } else if (reg == 4) {
                    environment(rnd, b, at, true);
                }
            }
            case 0xDF -> {
                switch (reg) {
                    case 0 -> b.putShort(at, (short) integer(rnd, 16));
                    case 4 -> {
                        long lo = 0;
                        for (int k = 0; k < 16; k++) {
                            lo |= (long) rnd.nextInt(10) << (4 * k);
                        }
                        b.putLong(at, lo);
                        b.putShort(at + 8, (short) (rnd.nextInt(10) | rnd.nextInt(10) << 4
                                | (rnd.nextBoolean() ? 0x8000 : 0)));
                    }
                    case 5 -> b.putLong(at, integer(rnd, 64));
                    default -> { }
                }
            }
            default -> { }
        }
    }

    private static long integer(SplittableRandom rnd, int bits) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(200) - 100;
            case 1 -> 1L << (bits - 1);
            default -> rnd.nextLong();
        };
    }

    /** A random IEEE value with the given field widths, biased toward the special classes. */
    static long ieee(SplittableRandom rnd, int expBits, int fracBits, boolean moderate) {
        long sign = rnd.nextBoolean() ? 1L << (expBits + fracBits) : 0;
        long frac = rnd.nextLong() & ((1L << fracBits) - 1);
        long maxExp = (1L << expBits) - 1;
        long bias = maxExp >>> 1;
        long e;
        if (moderate) {
            e = bias - rnd.nextInt(3);
            return sign | e << fracBits | frac;
        }
        switch (rnd.nextInt(12)) {
            case 0 -> {
                e = 0;
                frac = 0;
            }
            case 1 -> e = 0;
            case 2 -> {
                e = maxExp;
                frac = 0;
            }
            case 3 -> {
                e = maxExp;
                frac |= 1L << (fracBits - 1);
            }
            case 4 -> {
                e = maxExp;
                frac &= ~(1L << (fracBits - 1));
                frac |= 1;
            }
            case 5 -> {
                frac &= ~((1L << (fracBits - 8)) - 1);
                e = bias + rnd.nextInt(40) - 20;
            }
            default -> e = bias + rnd.nextInt(80) - 40;
        }
        if (rnd.nextInt(12) == 5) {
            e = bias + rnd.nextInt(20);
        }
        return sign | e << fracBits | frac;
    }

    /** A 28-byte environment (FLDENV) or a 108-byte state (FRSTOR) in the 32-bit protected-mode layout. */
    private static void environment(SplittableRandom rnd, ByteBuffer b, int at, boolean registers) {
        b.putInt(at, FpuState.randomControlWord(rnd));
        b.putInt(at + 4, rnd.nextInt(8) << 11 | (rnd.nextInt(16) & 7) << 8 | rnd.nextInt(0x40));
        int tw = 0;
        for (int k = 0; k < 8; k++) {
            tw |= (rnd.nextInt(3) == 0 ? 3 : rnd.nextInt(3)) << (2 * k);
        }
        b.putInt(at + 8, tw);
        if (registers) {
            long[] v = new long[2];
            for (int k = 0; k < 8; k++) {
                FpuState.randomExtended(rnd, v, false);
                b.putLong(at + 28 + k * 10, v[1]);
                b.putShort(at + 36 + k * 10, (short) v[0]);
            }
        }
    }
}
