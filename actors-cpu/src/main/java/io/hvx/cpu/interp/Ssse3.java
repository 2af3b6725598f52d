package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/**
 * SSSE3 (0F 38 00..0B, 1C..1E and PALIGNR 0F 3A 0F): with 66 on XMM registers, without a prefix on MMX
 * registers. Lane arithmetic works on 64-bit halves, so the MMX form is one half of the XMM form.
 */
final class Ssse3 {
    private final long[] x;
    private final long[] mm;
    private final Sse sse;
    private final Mmx mmx;

    Ssse3(CpuState cpu, Sse sse, Mmx mmx) {
        this.x = cpu.xmm;
        this.mm = cpu.fpMant;
        this.sse = sse;
        this.mmx = mmx;
    }

    void execute(Instruction i) {
        if ((i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0) {
            throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
        }
        int opcode = i.opcode & 0xFF;
        boolean palignr = i.opcode >>> 8 == 3;
        if ((i.prefixes & Instruction.P_OPSIZE) != 0) {
            sse.loadSrc(i, true);
            long s0 = sse.srcLo;
            long s1 = sse.srcHi;
            int d = i.reg * 2;
            long a0 = x[d];
            long a1 = x[d + 1];
            long r0;
            long r1;
            if (palignr) {
                int sh = (int) i.imm & 0xFF;
                r0 = alignQuad(s0, s1, a0, a1, sh);
                r1 = alignQuad(s0, s1, a0, a1, sh + 8);
            } else if (opcode == 0x00) {
                r0 = shuffle(a0, a1, s0, 15);
                r1 = shuffle(a0, a1, s1, 15);
            } else if (isHorizontal(opcode)) {
                r0 = horizontal(a0, a1, opcode);
                r1 = horizontal(s0, s1, opcode);
            } else {
                r0 = lanes(opcode, a0, s0);
                r1 = lanes(opcode, a1, s1);
            }
            x[d] = r0;
            x[d + 1] = r1;
            return;
        }
        long s = mmx.source(i, false);
        mmx.enter();
        int d = i.reg & 7;
        long a = mm[d];
        long r;
        if (palignr) {
            r = alignQuad(s, a, 0, 0, (int) i.imm & 0xFF);
        } else if (opcode == 0x00) {
            r = shuffle(a, a, s, 7);
        } else if (isHorizontal(opcode)) {
            r = horizontal(a, s, opcode);
        } else {
            r = lanes(opcode, a, s);
        }
        mmx.write(d, r);
    }

    private static boolean isHorizontal(int opcode) {
        return opcode >= 0x01 && opcode <= 0x07 && opcode != 0x04;
    }

    /** Eight bytes starting at byte {@code at} of the 32-byte value (q0, q1, q2, q3), zero past its end (PALIGNR). */
    private static long alignQuad(long q0, long q1, long q2, long q3, int at) {
        long out = 0;
        for (int k = 0; k < 8; k++) {
            int idx = at + k;
            long v = idx < 16 ? Sse.byteAt(q0, q1, idx) : idx < 32 ? Sse.byteAt(q2, q3, idx - 16) : 0;
            out |= v << (k * 8);
        }
        return out;
    }

    /** PSHUFB on eight control bytes: each selects a byte of (lo, hi) by its low bits, or zero when bit 7 is set. */
    private static long shuffle(long lo, long hi, long control, int indexMask) {
        long out = 0;
        for (int k = 0; k < 8; k++) {
            int c = (int) (control >>> (k * 8)) & 0xFF;
            long v = (c & 0x80) != 0 ? 0 : Sse.byteAt(lo, hi, c & indexMask);
            out |= v << (k * 8);
        }
        return out;
    }

    /** PHADDx and PHSUBx: adjacent lanes of the 128 bits (q0, q1) combined pairwise into one quadword. */
    private static long horizontal(long q0, long q1, int opcode) {
        int width = opcode == 0x02 || opcode == 0x06 ? 32 : 16;
        boolean subtract = opcode >= 0x05;
        boolean saturate = opcode == 0x03 || opcode == 0x07;
        long m = (1L << width) - 1;
        int perQuad = 64 / width;
        long out = 0;
        for (int k = 0; k < perQuad; k++) {
            long q = k < perQuad / 2 ? q0 : q1;
            int at = (2 * k % perQuad) * width;
            long lo = signed(q >>> at, width);
            long hi = signed(q >>> (at + width), width);
            long v = subtract ? lo - hi : lo + hi;
            if (saturate) {
                v = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
            }
            out |= (v & m) << (k * width);
        }
        return out;
    }

    private static long signed(long v, int width) {
        return (v << (64 - width)) >> (64 - width);
    }

    /** The lane-wise forms on one quadword: PMADDUBSW, PSIGN*, PMULHRSW, PABS*. */
    private static long lanes(int opcode, long a, long s) {
        int width = switch (opcode) {
            case 0x08, 0x1C -> 8;
            case 0x0A, 0x1E -> 32;
            default -> 16;
        };
        long m = (1L << width) - 1;
        long out = 0;
        for (int at = 0; at < 64; at += width) {
            long x = signed(a >>> at, width);
            long y = signed(s >>> at, width);
            long v = switch (opcode) {
                case 0x04 -> { // PMADDUBSW: destination bytes unsigned, source bytes signed
                    long p = ((x & 0xFF) * (byte) y) + (((x >>> 8) & 0xFF) * (byte) (y >> 8));
                    yield Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, p));
                }
                case 0x08, 0x09, 0x0A -> y < 0 ? -x : y == 0 ? 0 : x;
                case 0x0B -> ((x * y >> 14) + 1) >> 1;
                default -> Math.abs(y);
            };
            out |= (v & m) << at;
        }
        return out;
    }
}
