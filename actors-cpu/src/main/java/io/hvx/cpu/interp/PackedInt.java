package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/**
 * The SSE2 packed-integer forms beyond the basic set in {@link Sse}: saturating add/subtract, multiplies,
 * averages, signed min/max, PSADBW, packs, compares of words and dwords, shifts by an XMM count,
 * PSHUFLW/PSHUFHW, PINSRW/PEXTRW. Lanes are processed in place on the (lo, hi) quadword pairs.
 */
final class PackedInt {
    private final long[] x;

    PackedInt(CpuState cpu) {
        this.x = cpu.xmm;
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    /** Whether the opcode (0F map) is one of this class's 66-prefixed forms. */
    static boolean handles(int opcode) {
        return switch (opcode) {
            case 0x63, 0x65, 0x66, 0x67, 0x6B, 0xD1, 0xD2, 0xD3, 0xD5, 0xD9, 0xDC, 0xDD, 0xE0, 0xE1, 0xE2, 0xE3,
                 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEC, 0xED, 0xEE, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6 -> true;
            default -> false;
        };
    }

    void execute(Instruction i, long s0, long s1) {
        int d = i.reg * 2;
        int op = i.opcode & 0xFF;
        long a0 = x[d];
        long a1 = x[d + 1];
        switch (op) {
            case 0x63 -> { // PACKSSWB
                x[d] = pack(a0, a1, 16, true);
                x[d + 1] = pack(s0, s1, 16, true);
            }
            case 0x67 -> { // PACKUSWB
                x[d] = pack(a0, a1, 16, false);
                x[d + 1] = pack(s0, s1, 16, false);
            }
            case 0x6B -> { // PACKSSDW
                x[d] = pack(a0, a1, 32, true);
                x[d + 1] = pack(s0, s1, 32, true);
            }
            case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3 -> {
                long count = Long.compareUnsigned(s0, 255) > 0 ? 255 : s0;
                int width = switch (op & 0xF) {
                    case 1 -> 16;
                    case 2 -> 32;
                    default -> 64;
                };
                int kind = op >= 0xF0 ? 6 : op >= 0xE0 ? 4 : 2;
                x[d] = shift(a0, width, kind, (int) count);
                x[d + 1] = shift(a1, width, kind, (int) count);
            }
            case 0xF4 -> { // PMULUDQ
                x[d] = (a0 & 0xFFFFFFFFL) * (s0 & 0xFFFFFFFFL);
                x[d + 1] = (a1 & 0xFFFFFFFFL) * (s1 & 0xFFFFFFFFL);
            }
            case 0xF5 -> { // PMADDWD
                x[d] = madd(a0, s0);
                x[d + 1] = madd(a1, s1);
            }
            case 0xF6 -> { // PSADBW
                x[d] = sad(a0, s0);
                x[d + 1] = sad(a1, s1);
            }
            default -> {
                x[d] = lanes(op, a0, s0);
                x[d + 1] = lanes(op, a1, s1);
            }
        }
    }

    /** One quadword of a packed-integer operation (the MMX form, or one half of the XMM form). */
    static long quad(int op, long a, long s) {
        return switch (op) {
            case 0x63 -> pack(a, s, 16, true);
            case 0x67 -> pack(a, s, 16, false);
            case 0x6B -> pack(a, s, 32, true);
            case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3 -> {
                long count = Long.compareUnsigned(s, 255) > 0 ? 255 : s;
                int width = switch (op & 0xF) {
                    case 1 -> 16;
                    case 2 -> 32;
                    default -> 64;
                };
                yield shift(a, width, op >= 0xF0 ? 6 : op >= 0xE0 ? 4 : 2, (int) count);
            }
            case 0xF4 -> (a & 0xFFFFFFFFL) * (s & 0xFFFFFFFFL);
            case 0xF5 -> madd(a, s);
            case 0xF6 -> sad(a, s);
            default -> lanes(op, a, s);
        };
    }

    private static long lanes(int op, long a, long b) {
        int width = switch (op) {
            case 0xDC, 0xE0, 0xE8, 0xEC -> 8;
            case 0x66 -> 32;
            default -> 16;
        };
        long m = (1L << width) - 1;
        long res = 0;
        for (int sh = 0; sh < 64; sh += width) {
            long ua = (a >>> sh) & m;
            long ub = (b >>> sh) & m;
            long sa = (ua << (64 - width)) >> (64 - width);
            long sb = (ub << (64 - width)) >> (64 - width);
            long smax = m >>> 1;
            long smin = -smax - 1;
            long v = switch (op) {
                case 0x65, 0x66 -> sa > sb ? m : 0;
                case 0xD5 -> sa * sb;
                case 0xE5 -> (sa * sb) >> 16;
                case 0xE4 -> (ua * ub) >>> 16;
                case 0xD9 -> Math.max(ua - ub, 0);
                case 0xDC, 0xDD -> Math.min(ua + ub, m);
                case 0xE8, 0xE9 -> Math.max(Math.min(sa - sb, smax), smin);
                case 0xEC, 0xED -> Math.max(Math.min(sa + sb, smax), smin);
                case 0xE0, 0xE3 -> (ua + ub + 1) >>> 1;
                case 0xEA -> Math.min(sa, sb);
                case 0xEE -> Math.max(sa, sb);
                default -> throw new IllegalStateException("packed integer op " + op);
            };
            res |= (v & m) << sh;
        }
        return res;
    }

    private static long madd(long a, long b) {
        long lo = (long) (short) a * (short) b + (long) (short) (a >>> 16) * (short) (b >>> 16);
        long hi = (long) (short) (a >>> 32) * (short) (b >>> 32) + (long) (short) (a >>> 48) * (short) (b >>> 48);
        return (lo & 0xFFFFFFFFL) | hi << 32;
    }

    private static long sad(long a, long b) {
        long sum = 0;
        for (int sh = 0; sh < 64; sh += 8) {
            sum += Math.abs(((a >>> sh) & 0xFF) - ((b >>> sh) & 0xFF));
        }
        return sum;
    }

    /** Packs the lanes of (lo, hi), each {@code width} bits, into half-width saturated lanes. */
    private static long pack(long lo, long hi, int width, boolean signed) {
        int half = width / 2;
        long hm = (1L << half) - 1;
        long res = 0;
        int k = 0;
        for (int part = 0; part < 2; part++) {
            long q = part == 0 ? lo : hi;
            for (int sh = 0; sh < 64; sh += width) {
                long v = (q >>> sh) & ((1L << width) - 1);
                v = (v << (64 - width)) >> (64 - width);
                long sat;
                if (signed) {
                    long max = hm >>> 1;
                    sat = Math.max(Math.min(v, max), -max - 1);
                } else {
                    sat = Math.max(Math.min(v, hm), 0);
                }
                res |= (sat & hm) << (k * half);
                k++;
            }
        }
        return res;
    }

    private static long shift(long v, int width, int kind, int count) {
        long m = width == 64 ? -1L : (1L << width) - 1;
        long res = 0;
        for (int sh = 0; sh < 64; sh += width) {
            long lane = (v >>> sh) & m;
            long out;
            if (kind == 2) {
                out = count >= width ? 0 : lane >>> count;
            } else if (kind == 6) {
                out = count >= width ? 0 : lane << count;
            } else {
                long s = (lane << (64 - width)) >> (64 - width);
                out = s >> Math.min(count, width - 1);
            }
            res |= (out & m) << sh;
        }
        return res;
    }

    /** PSHUFLW (F2) or PSHUFHW (F3). */
    void shuffleWords(Instruction i, boolean high, long s0, long s1) {
        int d = i.reg * 2;
        int imm = (int) i.imm;
        long q = high ? s1 : s0;
        long out = 0;
        for (int k = 0; k < 4; k++) {
            out |= ((q >>> (16 * ((imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
        }
        x[d] = high ? s0 : out;
        x[d + 1] = high ? out : s1;
    }

    /** PINSRW xmm, r32/m16, imm8. */
    void insertWord(Instruction i, long value) {
        int k = (int) i.imm & 7;
        int at = i.reg * 2 + (k >> 2);
        int sh = (k & 3) * 16;
        x[at] = (x[at] & ~(0xFFFFL << sh)) | ((value & 0xFFFF) << sh);
    }

    /** PEXTRW r32, xmm, imm8. */
    long extractWord(Instruction i) {
        int k = (int) i.imm & 7;
        return (x[i.rm * 2 + (k >> 2)] >>> ((k & 3) * 16)) & 0xFFFF;
    }
}
