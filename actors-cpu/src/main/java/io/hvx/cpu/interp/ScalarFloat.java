package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * Scalar SSE/SSE2 arithmetic (ADDSD/MULSS/..., CMPSS/SD, CVT*, (U)COMISS/SD) through {@link SseFp}, so the
 * MXCSR rounding control and exception flags apply.
 */
final class ScalarFloat {
    private ScalarFloat() {
    }

    private static int arithOp(int opcode) {
        return switch (opcode) {
            case 0x58 -> SseFp.ADD;
            case 0x59 -> SseFp.MUL;
            case 0x5C -> SseFp.SUB;
            case 0x5D -> SseFp.MIN;
            case 0x5E -> SseFp.DIV;
            case 0x5F -> SseFp.MAX;
            default -> SseFp.SQRT;
        };
    }

    static int laneOp(int opcode) {
        return arithOp(opcode);
    }

    static void execute(CpuState cpu, LinearMemory mem, Interpreter in, SseFp fp, Instruction i, boolean p66,
                        boolean f3, boolean f2) {
        long[] x = cpu.xmm;
        int d = i.reg * 2;
        int opcode = i.opcode & 0xFF;
        if (i.op == Op.COMIF) {
            if (f3 || f2) {
                throw ud(i);
            }
            long a = x[d];
            long b = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), p66 ? 8 : 4);
            long f = fp.compareFlags(p66, a, b, opcode == 0x2E);
            cpu.materializeFlags();
            cpu.rflags = (cpu.rflags & ~CpuState.STATUS) | f;
            return;
        }
        if (!f3 && !f2) {
            throw ud(i); // packed forms are handled by PackedSse
        }
        boolean dbl = f2;
        switch (i.op) {
            case CVTSI2F -> {
                long v = Interpreter.sx(in.readE(i, i.opSize), i.opSize);
                if (dbl) {
                    x[d] = fp.intToDouble(v);
                } else {
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (fp.intToFloat(v) & 0xFFFFFFFFL);
                }
            }
            case CVTF2SI -> {
                long bits = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), dbl ? 8 : 4);
                double v;
                boolean denormal;
                if (dbl) {
                    v = Double.longBitsToDouble(bits);
                    denormal = (bits & 0x7FF0000000000000L) == 0 && (bits & 0xFFFFFFFFFFFFFL) != 0;
                } else {
                    v = Float.intBitsToFloat((int) bits);
                    denormal = (bits & 0x7F800000L) == 0 && (bits & 0x7FFFFFL) != 0;
                }
                boolean wide = i.opSize == 8;
                long result = fp.toInteger(v, wide, opcode == 0x2C, denormal);
                in.setReg(i.reg, wide ? 8 : 4, true, result);
            }
            default -> {
                long src = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), dbl ? 8 : 4);
                if (opcode == 0x5A) { // CVTSD2SS / CVTSS2SD
                    if (dbl) {
                        x[d] = (x[d] & ~0xFFFFFFFFL) | (fp.doubleToFloat(src) & 0xFFFFFFFFL);
                    } else {
                        x[d] = fp.floatToDouble((int) src);
                    }
                } else if (opcode == 0xC2) {
                    int pred = (int) i.imm & 7;
                    if (dbl) {
                        x[d] = fp.compareD(pred, x[d], src);
                    } else {
                        x[d] = (x[d] & ~0xFFFFFFFFL) | (fp.compareF(pred, (int) x[d], (int) src) & 0xFFFFFFFFL);
                    }
                } else if (dbl) {
                    x[d] = fp.opD(arithOp(opcode), x[d], src);
                } else {
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (fp.opF(arithOp(opcode), (int) x[d], (int) src) & 0xFFFFFFFFL);
                }
            }
        }
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }
}
