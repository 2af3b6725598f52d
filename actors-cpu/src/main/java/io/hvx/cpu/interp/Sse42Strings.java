package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/**
 * The SSE4.2 string compares PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM (66 0F 3A 60..63): the
 * immediate picks the element format, the aggregation (equal any, ranges, equal each, equal ordered),
 * the polarity and the output; the memory operand needs no alignment.
 */
final class Sse42Strings {
    private final CpuState cpu;
    private final long[] x;
    private final Sse sse;

    Sse42Strings(CpuState cpu, Sse sse) {
        this.cpu = cpu;
        this.x = cpu.xmm;
        this.sse = sse;
    }

    private void setFlags(long mask, long value) {
        cpu.materializeFlags();
        cpu.rflags = (cpu.rflags & ~mask) | value;
    }

    void execute(Instruction i) {
        if ((i.prefixes & Instruction.P_OPSIZE) == 0 || (i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0) {
            throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
        }
        int opcode = i.opcode & 0xFF;
        int imm = (int) i.imm & 0xFF;
        boolean words = (imm & 1) != 0;
        boolean signed = (imm & 2) != 0;
        int n = words ? 8 : 16;
        sse.loadSrc(i, false);
        long a0 = x[i.reg * 2];
        long a1 = x[i.reg * 2 + 1];
        long b0 = sse.srcLo;
        long b1 = sse.srcHi;
        boolean explicit = opcode <= 0x61;
        int lenA;
        int lenB;
        if (explicit) {
            lenA = explicitLength(cpu.regs[CpuState.RAX], i.opSize == 8, n);
            lenB = explicitLength(cpu.regs[CpuState.RDX], i.opSize == 8, n);
        } else {
            lenA = implicitLength(a0, a1, n);
            lenB = implicitLength(b0, b1, n);
        }
        int aggregation = (imm >>> 2) & 3;
        int res = 0;
        for (int j = 0; j < n; j++) {
            boolean bit = switch (aggregation) {
                case 0 -> equalAny(a0, a1, lenA, element(b0, b1, j, n, signed), j < lenB, n, signed);
                case 1 -> inRanges(a0, a1, lenA, element(b0, b1, j, n, signed), j < lenB, n, signed);
                case 2 -> j >= lenA && j >= lenB
                        || j < lenA && j < lenB && element(a0, a1, j, n, signed) == element(b0, b1, j, n, signed);
                default -> ordered(a0, a1, lenA, b0, b1, lenB, j, n, signed);
            };
            if (bit) {
                res |= 1 << j;
            }
        }
        int all = (1 << n) - 1;
        switch ((imm >>> 4) & 3) {
            case 1 -> res ^= all;
            case 3 -> res ^= (1 << lenB) - 1;
            default -> { }
        }
        boolean index = (opcode & 1) != 0;
        if (index) {
            int at = res == 0 ? n : (imm & 0x40) != 0 ? 31 - Integer.numberOfLeadingZeros(res)
                    : Integer.numberOfTrailingZeros(res);
            cpu.regs[CpuState.RCX] = at;
        } else if ((imm & 0x40) == 0) {
            x[0] = res;
            x[1] = 0;
        } else {
            long lo = 0;
            long hi = 0;
            int width = 128 / n;
            long lane = (1L << width) - 1;
            for (int j = 0; j < n; j++) {
                if ((res >>> j & 1) != 0) {
                    int at = j * width;
                    if (at < 64) {
                        lo |= lane << at;
                    } else {
                        hi |= lane << (at - 64);
                    }
                }
            }
            x[0] = lo;
            x[1] = hi;
        }
        long f = (res != 0 ? CpuState.CF : 0) | (lenB < n ? CpuState.ZF : 0) | (lenA < n ? CpuState.SF : 0)
                | ((res & 1) != 0 ? CpuState.OF : 0);
        setFlags(CpuState.STATUS, f);
    }

    private static int explicitLength(long reg, boolean wide, int n) {
        long v = wide ? reg : (int) reg;
        return v >= n || v <= -n ? n : (int) Math.abs(v);
    }

    private static int implicitLength(long lo, long hi, int n) {
        for (int k = 0; k < n; k++) {
            if (element(lo, hi, k, n, false) == 0) {
                return k;
            }
        }
        return n;
    }

    /** Element k of (lo, hi) with n elements, sign-extended when the format is signed. */
    private static long element(long lo, long hi, int k, int n, boolean signed) {
        int width = 128 / n;
        int at = k * width;
        long v = (at < 64 ? lo >>> at : hi >>> (at - 64)) & ((1L << width) - 1);
        return signed ? (v << (64 - width)) >> (64 - width) : v;
    }

    private static boolean equalAny(long a0, long a1, int lenA, long b, boolean bValid, int n, boolean signed) {
        if (!bValid) {
            return false;
        }
        for (int k = 0; k < lenA; k++) {
            if (element(a0, a1, k, n, signed) == b) {
                return true;
            }
        }
        return false;
    }

    private static boolean inRanges(long a0, long a1, int lenA, long b, boolean bValid, int n, boolean signed) {
        if (!bValid) {
            return false;
        }
        for (int k = 0; k + 1 < lenA; k += 2) {
            long low = element(a0, a1, k, n, signed);
            long high = element(a0, a1, k + 1, n, signed);
            if (compare(low, b, signed) <= 0 && compare(b, high, signed) <= 0) {
                return true;
            }
        }
        return false;
    }

    private static int compare(long p, long q, boolean signed) {
        return signed ? Long.compare(p, q) : Long.compareUnsigned(p, q);
    }

    /** Equal ordered: the needle (a) matches b from position j on; an exhausted needle matches anything. */
    private static boolean ordered(long a0, long a1, int lenA, long b0, long b1, int lenB, int j, int n,
                                   boolean signed) {
        for (int k = 0; j + k < n; k++) {
            if (k >= lenA) {
                return true;
            }
            if (j + k >= lenB || element(a0, a1, k, n, signed) != element(b0, b1, j + k, n, signed)) {
                return false;
            }
        }
        return true;
    }
}
