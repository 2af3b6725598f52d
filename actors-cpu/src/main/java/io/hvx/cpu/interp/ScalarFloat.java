package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * Scalar SSE/SSE2 arithmetic (ADDSD/MULSS/..., CVT*, (U)COMISD) with the x86 NaN rules: a NaN operand
 * propagates quieted (the first one wins), an invalid operation gives the negative "real indefinite" NaN.
 * Rounding is round-to-nearest, the MXCSR default; exceptions stay masked.
 */
final class ScalarFloat {
    private static final long DOUBLE_INDEFINITE = 0xFFF8000000000000L;
    private static final int FLOAT_INDEFINITE = 0xFFC00000;

    private ScalarFloat() {
    }

    static void execute(CpuState cpu, LinearMemory mem, Interpreter in, Instruction i, boolean p66, boolean f3,
                        boolean f2) {
        long[] x = cpu.xmm;
        int d = i.reg * 2;
        int opcode = i.opcode & 0xFF;
        if (i.op == Op.COMIF) {
            if (!p66 && (f3 || f2)) {
                throw ud(i);
            }
            boolean dbl = p66;
            long a = x[d];
            long b = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), dbl ? 8 : 4);
            double da = dbl ? Double.longBitsToDouble(a) : Float.intBitsToFloat((int) a);
            double db = dbl ? Double.longBitsToDouble(b) : Float.intBitsToFloat((int) b);
            long f;
            if (Double.isNaN(da) || Double.isNaN(db)) {
                f = CpuState.ZF | CpuState.PF | CpuState.CF;
            } else if (da > db) {
                f = 0;
            } else if (da < db) {
                f = CpuState.CF;
            } else {
                f = CpuState.ZF;
            }
            cpu.rflags = (cpu.rflags & ~CpuState.STATUS) | f;
            return;
        }
        if (!f3 && !f2) {
            throw ud(i); // packed forms are not implemented
        }
        boolean dbl = f2;
        switch (i.op) {
            case CVTSI2F -> {
                long v = Interpreter.sx(in.readE(i, i.opSize), i.opSize);
                if (dbl) {
                    x[d] = Double.doubleToRawLongBits((double) v);
                } else {
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (Float.floatToRawIntBits((float) v) & 0xFFFFFFFFL);
                }
            }
            case CVTF2SI -> {
                long bits = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), dbl ? 8 : 4);
                double v = dbl ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
                if (opcode == 0x2D) {
                    v = Math.rint(v);
                }
                boolean wide = i.opSize == 8;
                double limit = wide ? 0x1p63 : 0x1p31;
                long result;
                if (Double.isNaN(v) || v >= limit || v < -limit) {
                    result = wide ? Long.MIN_VALUE : 0x80000000L;
                } else {
                    result = (long) v; // truncates toward zero
                }
                in.setReg(i.reg, wide ? 8 : 4, true, result);
            }
            default -> {
                long src = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), dbl ? 8 : 4);
                if (dbl) {
                    x[d] = arithDouble(opcode, x[d], src);
                } else {
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (arithFloat(opcode, (int) x[d], (int) src) & 0xFFFFFFFFL);
                }
            }
        }
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    private static long arithDouble(int opcode, long a, long b) {
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (opcode == 0x5D || opcode == 0x5F) {
            // MIN/MAX return the second operand when either is NaN or both are zeros
            boolean pickFirst = opcode == 0x5D ? x < y : x > y;
            return pickFirst ? a : b;
        }
        if (opcode == 0x51) {
            if (Double.isNaN(y)) {
                return b | 0x0008000000000000L;
            }
            return y < 0 ? DOUBLE_INDEFINITE : Double.doubleToRawLongBits(Math.sqrt(y));
        }
        if (Double.isNaN(x)) {
            return a | 0x0008000000000000L;
        }
        if (Double.isNaN(y)) {
            return b | 0x0008000000000000L;
        }
        double r = switch (opcode) {
            case 0x58 -> x + y;
            case 0x59 -> x * y;
            case 0x5C -> x - y;
            default -> x / y;
        };
        return Double.isNaN(r) ? DOUBLE_INDEFINITE : Double.doubleToRawLongBits(r);
    }

    private static int arithFloat(int opcode, int a, int b) {
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        if (opcode == 0x5D || opcode == 0x5F) {
            boolean pickFirst = opcode == 0x5D ? x < y : x > y;
            return pickFirst ? a : b;
        }
        if (opcode == 0x51) {
            if (Float.isNaN(y)) {
                return b | 0x00400000;
            }
            return y < 0 ? FLOAT_INDEFINITE : Float.floatToRawIntBits((float) Math.sqrt(y));
        }
        if (Float.isNaN(x)) {
            return a | 0x00400000;
        }
        if (Float.isNaN(y)) {
            return b | 0x00400000;
        }
        float r = switch (opcode) {
            case 0x58 -> x + y;
            case 0x59 -> x * y;
            case 0x5C -> x - y;
            default -> x / y;
        };
        return Float.isNaN(r) ? FLOAT_INDEFINITE : Float.floatToRawIntBits(r);
    }
}
