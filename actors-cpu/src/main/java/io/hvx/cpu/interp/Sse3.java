package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * SSE3: ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD, LDDQU and the duplicating moves MOVSLDUP, MOVSHDUP, MOVDDUP
 * (F3/F2 0F 12 and F3 0F 16). FISTTP lives with the other x87 stores in {@link X87}.
 */
final class Sse3 {
    private final long[] x;
    private final LinearMemory mem;
    private final Interpreter in;
    private final Sse sse;
    private final SseFp fp;

    Sse3(CpuState cpu, LinearMemory mem, Interpreter in, Sse sse, SseFp fp) {
        this.x = cpu.xmm;
        this.mem = mem;
        this.in = in;
        this.sse = sse;
        this.fp = fp;
    }

    /** Whether the prefixed form of 0F 12 / 0F 16 is an SSE3 move rather than MOVLPS/MOVHPS. */
    static boolean isDuplicatingMove(int opcode, boolean f3, boolean f2) {
        return (opcode == 0x12 && (f3 || f2)) || (opcode == 0x16 && f3);
    }

    void execute(Instruction i) {
        boolean p66 = (i.prefixes & Instruction.P_OPSIZE) != 0;
        boolean f3 = (i.prefixes & Instruction.P_REP) != 0;
        boolean f2 = (i.prefixes & Instruction.P_REPNE) != 0;
        int opcode = i.opcode & 0xFF;
        int d = i.reg * 2;
        if (opcode == 0x12 && f2) { // MOVDDUP: a 64-bit source, no alignment
            long v = i.mod == 3 ? x[i.rm * 2] : mem.read64(in.ea(i));
            x[d] = v;
            x[d + 1] = v;
            return;
        }
        if (opcode == 0x12 || opcode == 0x16) { // MOVSLDUP, MOVSHDUP
            sse.loadSrc(i, true);
            x[d] = duplicate(sse.srcLo, opcode == 0x16);
            x[d + 1] = duplicate(sse.srcHi, opcode == 0x16);
            return;
        }
        if (opcode == 0xF0) {
            if (!f2 || p66 || f3) {
                throw ud(i);
            }
            sse.loadSrc(i, false);
            x[d] = sse.srcLo;
            x[d + 1] = sse.srcHi;
            return;
        }
        if (p66 == f2 || f3) {
            throw ud(i); // exactly one of 66 (double) and F2 (single)
        }
        sse.loadSrc(i, true);
        long s0 = sse.srcLo;
        long s1 = sse.srcHi;
        long a0 = x[d];
        long a1 = x[d + 1];
        if (p66) {
            switch (opcode) {
                case 0xD0 -> {
                    x[d] = fp.opD(SseFp.SUB, a0, s0);
                    x[d + 1] = fp.opD(SseFp.ADD, a1, s1);
                }
                default -> {
                    int op = opcode == 0x7C ? SseFp.ADD : SseFp.SUB;
                    x[d] = fp.opD(op, a0, a1);
                    x[d + 1] = fp.opD(op, s0, s1);
                }
            }
            return;
        }
        if (opcode == 0xD0) {
            x[d] = pair(fp.opF(SseFp.SUB, (int) a0, (int) s0), fp.opF(SseFp.ADD, (int) (a0 >>> 32), (int) (s0 >>> 32)));
            x[d + 1] = pair(fp.opF(SseFp.SUB, (int) a1, (int) s1), fp.opF(SseFp.ADD, (int) (a1 >>> 32), (int) (s1 >>> 32)));
            return;
        }
        int op = opcode == 0x7C ? SseFp.ADD : SseFp.SUB;
        x[d] = pair(fp.opF(op, (int) a0, (int) (a0 >>> 32)), fp.opF(op, (int) a1, (int) (a1 >>> 32)));
        x[d + 1] = pair(fp.opF(op, (int) s0, (int) (s0 >>> 32)), fp.opF(op, (int) s1, (int) (s1 >>> 32)));
    }

    private static long pair(int lo, int hi) {
        return (lo & 0xFFFFFFFFL) | (long) hi << 32;
    }

    private static long duplicate(long q, boolean high) {
        long v = high ? q >>> 32 : q & 0xFFFFFFFFL;
        return v | v << 32;
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }
}
