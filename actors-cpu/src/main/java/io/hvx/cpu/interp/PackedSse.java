package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/**
 * Packed single and double floating point (ADDPS..SQRTPD, CMPPS/PD, SHUFPS/PD, UNPCK*PS/PD, MOVMSKPS/PD,
 * the CVT*PS/PD/DQ conversions), lane by lane through {@link SseFp}. No prefix selects single, 66 double.
 */
final class PackedSse {
    private final CpuState cpu;
    private final long[] x;
    private final SseFp fp;

    PackedSse(CpuState cpu, SseFp fp) {
        this.cpu = cpu;
        this.x = cpu.xmm;
        this.fp = fp;
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    private static long lo32(long v) {
        return v & 0xFFFFFFFFL;
    }

    /** Executes with the source already in (s0, s1); d is the destination register's index times two. */
    void execute(Instruction i, boolean p66, boolean f3, boolean f2, long s0, long s1) {
        int d = i.reg * 2;
        int opcode = i.opcode & 0xFF;
        long a0 = x[d];
        long a1 = x[d + 1];
        switch (opcode) {
            case 0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F -> {
                int op = ScalarFloat.laneOp(opcode);
                if (p66) {
                    x[d] = fp.opD(op, a0, s0);
                    x[d + 1] = fp.opD(op, a1, s1);
                } else {
                    x[d] = lo32(fp.opF(op, (int) a0, (int) s0)) | (long) fp.opF(op, (int) (a0 >>> 32), (int) (s0 >>> 32)) << 32;
                    x[d + 1] = lo32(fp.opF(op, (int) a1, (int) s1)) | (long) fp.opF(op, (int) (a1 >>> 32), (int) (s1 >>> 32)) << 32;
                }
            }
            case 0xC2 -> {
                int pred = (int) i.imm & 7;
                if (p66) {
                    x[d] = fp.compareD(pred, a0, s0);
                    x[d + 1] = fp.compareD(pred, a1, s1);
                } else {
                    x[d] = lo32(fp.compareF(pred, (int) a0, (int) s0))
                            | (long) fp.compareF(pred, (int) (a0 >>> 32), (int) (s0 >>> 32)) << 32;
                    x[d + 1] = lo32(fp.compareF(pred, (int) a1, (int) s1))
                            | (long) fp.compareF(pred, (int) (a1 >>> 32), (int) (s1 >>> 32)) << 32;
                }
            }
            case 0xC6 -> {
                int imm = (int) i.imm;
                if (p66) {
                    x[d] = (imm & 1) == 0 ? a0 : a1;
                    x[d + 1] = (imm & 2) == 0 ? s0 : s1;
                } else {
                    x[d] = dword(a0, a1, imm & 3) | dword(a0, a1, (imm >> 2) & 3) << 32;
                    x[d + 1] = dword(s0, s1, (imm >> 4) & 3) | dword(s0, s1, (imm >> 6) & 3) << 32;
                }
            }
            case 0x14 -> {
                if (p66) {
                    x[d + 1] = s0;
                } else {
                    x[d] = lo32(a0) | s0 << 32;
                    x[d + 1] = (a0 >>> 32) | (s0 & 0xFFFFFFFF00000000L);
                }
            }
            case 0x15 -> {
                if (p66) {
                    x[d] = a1;
                    x[d + 1] = s1;
                } else {
                    x[d] = lo32(a1) | s1 << 32;
                    x[d + 1] = (a1 >>> 32) | (s1 & 0xFFFFFFFF00000000L);
                }
            }
            case 0x50 -> {
                if (i.mod != 3) {
                    throw ud(i);
                }
                long m = p66 ? (s0 >>> 63) | (s1 >>> 63) << 1
                        : (s0 >>> 31 & 1) | (s0 >>> 63) << 1 | (s1 >>> 31 & 1) << 2 | (s1 >>> 63) << 3;
                cpu.regs[i.reg] = m;
            }
            case 0x5A -> {
                if (p66) { // CVTPD2PS
                    x[d] = lo32(fp.doubleToFloat(s0)) | (long) fp.doubleToFloat(s1) << 32;
                    x[d + 1] = 0;
                } else { // CVTPS2PD
                    x[d] = fp.floatToDouble((int) s0);
                    x[d + 1] = fp.floatToDouble((int) (s0 >>> 32));
                }
            }
            case 0x5B -> {
                if (p66 || f3) { // CVTPS2DQ / CVTTPS2DQ
                    boolean t = f3;
                    x[d] = lo32(f2i((int) s0, t)) | lo32(f2i((int) (s0 >>> 32), t)) << 32;
                    x[d + 1] = lo32(f2i((int) s1, t)) | lo32(f2i((int) (s1 >>> 32), t)) << 32;
                } else { // CVTDQ2PS
                    x[d] = lo32(fp.intToFloat((int) s0)) | (long) fp.intToFloat((int) (s0 >>> 32)) << 32;
                    x[d + 1] = lo32(fp.intToFloat((int) s1)) | (long) fp.intToFloat((int) (s1 >>> 32)) << 32;
                }
            }
            case 0xE6 -> {
                if (f3) { // CVTDQ2PD, exact
                    x[d] = Double.doubleToRawLongBits((int) s0);
                    x[d + 1] = Double.doubleToRawLongBits((int) (s0 >>> 32));
                } else if (p66 || f2) { // CVTTPD2DQ / CVTPD2DQ
                    boolean t = p66;
                    x[d] = lo32(d2i(s0, t)) | lo32(d2i(s1, t)) << 32;
                    x[d + 1] = 0;
                } else {
                    throw ud(i);
                }
            }
            default -> throw ud(i);
        }
    }

    long f2i(int bits, boolean truncate) {
        boolean denormal = (bits & 0x7F800000) == 0 && (bits & 0x7FFFFF) != 0;
        return fp.toInteger(Float.intBitsToFloat(bits), false, truncate, denormal);
    }

    long d2i(long bits, boolean truncate) {
        boolean denormal = (bits & 0x7FF0000000000000L) == 0 && (bits & 0xFFFFFFFFFFFFFL) != 0;
        return fp.toInteger(Double.longBitsToDouble(bits), false, truncate, denormal);
    }

    private static long dword(long lo, long hi, int k) {
        long q = k < 2 ? lo : hi;
        return (k & 1) == 0 ? q & 0xFFFFFFFFL : q >>> 32;
    }
}
