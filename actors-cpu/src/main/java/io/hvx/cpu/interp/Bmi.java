package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/**
 * The VEX-encoded BMI1 and BMI2 general-register forms: ANDN, BEXTR, BLSI, BLSMSK, BLSR, BZHI, MULX, PDEP,
 * PEXT, RORX, SARX, SHLX, SHRX. VEX.pp and the opcode pick the operation; VEX.L = 1 is #UD.
 */
final class Bmi {
    private static final int NONE = 0;
    private static final int P66 = 1;
    private static final int F3 = 2;
    private static final int F2 = 3;

    private final CpuState cpu;
    private final long[] r;
    private final Interpreter in;

    Bmi(CpuState cpu, Interpreter in) {
        this.cpu = cpu;
        this.r = cpu.regs;
        this.in = in;
    }

    private void setFlags(long mask, long value) {
        cpu.materializeFlags();
        cpu.rflags = (cpu.rflags & ~mask) | value;
    }

    void execute(Instruction i) {
        if (i.vexL != 0) {
            throw ud(i);
        }
        int size = i.opSize;
        int bits = size * 8;
        long m = Interpreter.mask(size);
        int opcode = i.opcode & 0xFF;
        int pp = i.vexPp;
        long src = in.readE(i, size);
        long v = r[i.vvvv] & m;
        if (i.opcode >>> 8 == 5) { // RORX
            if (pp != F2 || i.vvvv != 0) { // RORX has no VEX.vvvv operand: it must be 1111b
                throw ud(i);
            }
            int n = (int) i.imm & (bits - 1);
            long res = n == 0 ? src : ((src >>> n) | (src << (bits - n))) & m;
            r[i.reg] = res;
            return;
        }
        long res;
        switch (opcode) {
            case 0xF2 -> { // ANDN
                requirePrefix(i, pp, NONE);
                res = ~v & src & m;
                setFlags(CpuState.STATUS, logicFlags(res, size));
            }
            case 0xF3 -> { // BLSR, BLSMSK, BLSI (ModRM.reg 1..3); the destination is VEX.vvvv
                requirePrefix(i, pp, NONE);
                long cf;
                long out;
                switch (i.reg & 7) {
                    case 1 -> {
                        out = (src - 1) & src & m;
                        cf = src == 0 ? CpuState.CF : 0;
                    }
                    case 2 -> {
                        out = ((src - 1) ^ src) & m;
                        cf = src == 0 ? CpuState.CF : 0;
                    }
                    default -> {
                        out = -src & src & m;
                        cf = src != 0 ? CpuState.CF : 0;
                    }
                }
                long f = logicFlags(out, size) | cf;
                if ((i.reg & 7) == 2) {
                    f &= ~CpuState.ZF; // BLSMSK clears ZF: its result is never zero
                }
                setFlags(CpuState.STATUS, f);
                r[i.vvvv] = out;
                return;
            }
            case 0xF5 -> {
                if (pp == NONE) { // BZHI
                    int n = (int) (v & 0xFF);
                    res = n < bits ? src & ((1L << n) - 1) : src;
                    setFlags(CpuState.STATUS, logicFlags(res, size) | (n >= bits ? CpuState.CF : 0));
                } else if (pp == F3) {
                    res = extractBits(v, src, bits);
                } else if (pp == F2) {
                    res = depositBits(v, src, bits);
                } else {
                    throw ud(i);
                }
            }
            case 0xF6 -> { // MULX: high half to ModRM.reg, low half to VEX.vvvv, flags untouched
                requirePrefix(i, pp, F2);
                long a = r[CpuState.RDX] & m;
                long lo;
                long hi;
                if (size == 8) {
                    lo = a * src;
                    hi = Math.unsignedMultiplyHigh(a, src);
                } else {
                    long p = a * src;
                    lo = p & m;
                    hi = p >>> 32;
                }
                r[i.vvvv] = lo;
                r[i.reg] = hi; // written last: with one register for both, the high half wins
                return;
            }
            default -> { // 0xF7
                int shift = (int) (v & (bits - 1));
                switch (pp) {
                    case NONE -> { // BEXTR
                        int start = (int) (v & 0xFF);
                        int len = (int) (v >>> 8 & 0xFF);
                        long shifted = start >= bits ? 0 : src >>> start;
                        res = len >= bits ? shifted : shifted & ((1L << len) - 1);
                        setFlags(CpuState.STATUS, res == 0 ? CpuState.ZF : 0);
                    }
                    case P66 -> res = (src << shift) & m; // SHLX
                    case F3 -> res = (Interpreter.sx(src, size) >> shift) & m; // SARX
                    default -> res = src >>> shift; // SHRX
                }
            }
        }
        r[i.reg] = res & m;
    }

    /** SF and ZF of a result; CF and OF clear (AF and PF are undefined: left clear). */
    private static long logicFlags(long res, int size) {
        return (res == 0 ? CpuState.ZF : 0) | ((res & Interpreter.signBit(size)) != 0 ? CpuState.SF : 0);
    }

    /** PEXT: the bits of v selected by mask, packed to the low end. */
    private static long extractBits(long v, long mask, int bits) {
        long out = 0;
        int k = 0;
        for (int b = 0; b < bits; b++) {
            if ((mask >>> b & 1) != 0) {
                out |= (v >>> b & 1) << k++;
            }
        }
        return out;
    }

    /** PDEP: the low bits of v spread to the positions set in mask. */
    private static long depositBits(long v, long mask, int bits) {
        long out = 0;
        int k = 0;
        for (int b = 0; b < bits; b++) {
            if ((mask >>> b & 1) != 0) {
                out |= (v >>> k++ & 1) << b;
            }
        }
        return out;
    }

    private static void requirePrefix(Instruction i, int pp, int wanted) {
        if (pp != wanted) {
            throw ud(i);
        }
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }
}
