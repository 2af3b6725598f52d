package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.AF;
import static io.hvx.cpu.interp.CpuState.CF;
import static io.hvx.cpu.interp.CpuState.OF;
import static io.hvx.cpu.interp.CpuState.PF;
import static io.hvx.cpu.interp.CpuState.SF;
import static io.hvx.cpu.interp.CpuState.ZF;

/**
 * The status flags of the last flag-setting operation, computed from its recorded operands only when read.
 *
 * <p>{@link CpuState#flagOp} is a kind below or'ed with the operand size in bytes (low four bits). Operands and
 * result are kept masked to that size. ADD/ADC/SUB/SBB keep both operands (ADC and SBB are the forms with a
 * carry in of one); INC and DEC keep their operand and, in {@code flagB}, the carry flag they leave alone;
 * RESULT keeps a result whose SF, ZF and PF follow from it and, in {@code flagB}, the exact CF, OF and AF bits.
 * A rotate over a pending operation sets {@link #ROTATED} and its CF and OF in {@link #ROT_CF} and {@link #ROT_OF}
 * of {@code flagOp}: the other four flags still come from the operation before it.
 */
final class LazyFlags {
    private LazyFlags() {
    }

    static final int ADD = 1 << 4;
    static final int ADC = 2 << 4;
    static final int SUB = 3 << 4;
    static final int SBB = 4 << 4;
    static final int INC = 5 << 4;
    static final int DEC = 6 << 4;
    static final int RESULT = 7 << 4;
    static final int ROTATED = 1 << 7;
    static final int ROT_CF = 1 << 8;
    static final int ROT_OF = 1 << 9;
    private static final int KIND = 7 << 4;

    private static final byte[] PARITY = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            PARITY[b] = (byte) ((Integer.bitCount(b) & 1) == 0 ? PF : 0);
        }
    }

    /** SF, ZF and PF of a result, masked to the size here. */
    static long szp(long res, int size) {
        long m = res & Interpreter.mask(size);
        long f = PARITY[(int) (m & 0xFF)];
        if (m == 0) {
            f |= ZF;
        }
        if ((m & Interpreter.signBit(size)) != 0) {
            f |= SF;
        }
        return f;
    }

    static void record(CpuState c, int kind, long a, long b, long res, int size) {
        c.flagOp = kind | size;
        c.flagA = a;
        c.flagB = b;
        c.flagRes = res;
    }

    /** Records a result whose SF, ZF and PF follow from it, with CF, OF and AF given in {@code cfOfAf}. */
    static void result(CpuState c, long res, int size, long cfOfAf) {
        c.flagOp = RESULT | size;
        c.flagB = cfOfAf;
        c.flagRes = res & Interpreter.mask(size);
    }

    /** The six status bits of the pending operation ({@code flagOp != 0}). */
    static long status(CpuState c) {
        int op = c.flagOp;
        int size = op & 15;
        long a = c.flagA;
        long b = c.flagB;
        long res = c.flagRes;
        long f = szp(res, size);
        switch (op & KIND) {
            case ADD, ADC -> {
                f |= carry(op, a, b, res) ? CF : 0;
                f |= ((a ^ res) & (b ^ res) & Interpreter.signBit(size)) != 0 ? OF : 0;
                f |= (a ^ b ^ res) & AF;
            }
            case SUB, SBB -> {
                f |= carry(op, a, b, res) ? CF : 0;
                f |= ((a ^ b) & (a ^ res) & Interpreter.signBit(size)) != 0 ? OF : 0;
                f |= (a ^ b ^ res) & AF;
            }
            case INC -> f |= b | (res == Interpreter.signBit(size) ? OF : 0) | ((a ^ res) & AF);
            case DEC -> f |= b | (a == Interpreter.signBit(size) ? OF : 0) | ((a ^ res) & AF);
            default -> f |= b & (CF | OF | AF);
        }
        if ((op & ROTATED) != 0) {
            f = (f & ~(CF | OF)) | ((op & ROT_CF) != 0 ? CF : 0) | ((op & ROT_OF) != 0 ? OF : 0);
        }
        return f;
    }

    private static boolean carry(int op, long a, long b, long res) {
        return switch (op & KIND) {
            case ADD -> Long.compareUnsigned(res, a) < 0;
            case ADC -> Long.compareUnsigned(res, a) <= 0;
            case SUB -> Long.compareUnsigned(a, b) < 0;
            case SBB -> Long.compareUnsigned(a, b) <= 0;
            default -> (b & CF) != 0; // INC, DEC, RESULT
        };
    }

    /** Sets CF and OF as a rotate does, keeping the other four flags of a pending operation pending. */
    static void rotate(CpuState c, long cfOf) {
        int op = c.flagOp;
        if (op == 0) {
            c.rflags = (c.rflags & ~(CF | OF)) | cfOf;
        } else {
            c.flagOp = (op & ~(ROT_CF | ROT_OF)) | ROTATED | ((cfOf & CF) != 0 ? ROT_CF : 0)
                    | ((cfOf & OF) != 0 ? ROT_OF : 0);
        }
    }

    /** CF without materialising the other flags. */
    static boolean carry(CpuState c) {
        int op = c.flagOp;
        if (op == 0) {
            return (c.rflags & CF) != 0;
        }
        return (op & ROTATED) != 0 ? (op & ROT_CF) != 0 : carry(op, c.flagA, c.flagB, c.flagRes);
    }

    /** ZF without materialising the other flags. */
    static boolean zero(CpuState c) {
        return c.flagOp == 0 ? (c.rflags & ZF) != 0 : c.flagRes == 0;
    }

    /** Whether condition code {@code cc} (Jcc/SETcc/CMOVcc encoding) holds; the common ones skip materialising. */
    static boolean condition(CpuState c, int cc) {
        int op = c.flagOp;
        boolean v;
        if (op == 0) {
            v = fromRflags(c.rflags, cc);
        } else if ((op & ROTATED) != 0) {
            v = fromRflags(c.flags(), cc);
        } else {
            long res = c.flagRes;
            int size = op & 15;
            int kind = op & KIND;
            switch (cc >> 1) {
                case 1 -> v = carry(op, c.flagA, c.flagB, res);
                case 2 -> v = res == 0;
                case 3 -> v = res == 0 || carry(op, c.flagA, c.flagB, res);
                case 4 -> v = (res & Interpreter.signBit(size)) != 0;
                case 6 -> v = kind == SUB
                        ? Interpreter.sx(c.flagA, size) < Interpreter.sx(c.flagB, size)
                        : lessFlags(c, res, size);
                case 7 -> v = res == 0 || (kind == SUB
                        ? Interpreter.sx(c.flagA, size) < Interpreter.sx(c.flagB, size)
                        : lessFlags(c, res, size));
                default -> v = fromRflags(c.flags(), cc); // OF and PF: rare enough to materialise
            }
        }
        return (cc & 1) != 0 ? !v : v;
    }

    /** SF != OF for kinds other than SUB. */
    private static boolean lessFlags(CpuState c, long res, int size) {
        boolean sf = (res & Interpreter.signBit(size)) != 0;
        boolean of = (status(c) & OF) != 0;
        return sf != of;
    }

    /** The condition before its negation bit, from materialised flags. */
    private static boolean fromRflags(long f, int cc) {
        return switch (cc >> 1) {
            case 0 -> (f & OF) != 0;
            case 1 -> (f & CF) != 0;
            case 2 -> (f & ZF) != 0;
            case 3 -> (f & (CF | ZF)) != 0;
            case 4 -> (f & SF) != 0;
            case 5 -> (f & PF) != 0;
            case 6 -> ((f & SF) != 0) != ((f & OF) != 0);
            default -> (f & ZF) != 0 || ((f & SF) != 0) != ((f & OF) != 0);
        };
    }
}
