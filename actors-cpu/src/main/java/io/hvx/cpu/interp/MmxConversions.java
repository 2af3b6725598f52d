package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * The SSE/SSE2 forms with an MMX operand: CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI, MOVQ2DQ, MOVDQ2Q,
 * MOVNTQ, and the byte-masked stores MASKMOVQ/MASKMOVDQU. An MMX register operand makes the x87-to-MMX
 * transition; a memory source does not.
 */
final class MmxConversions {
    private final CpuState cpu;
    private final long[] x;
    private final long[] mm;
    private final LinearMemory mem;
    private final Interpreter in;
    private final Mmx mmx;
    private final Sse sse;
    private final SseFp fp;
    private final PackedSse packed;

    MmxConversions(CpuState cpu, LinearMemory mem, Interpreter in, Mmx mmx, Sse sse, SseFp fp, PackedSse packed) {
        this.cpu = cpu;
        this.x = cpu.xmm;
        this.mm = cpu.fpMant;
        this.mem = mem;
        this.in = in;
        this.mmx = mmx;
        this.sse = sse;
        this.fp = fp;
        this.packed = packed;
    }

    /** Whether the instruction (0F map, with its prefixes) is one of this class's forms. */
    static boolean handles(int opcode, boolean p66, boolean f3, boolean f2) {
        return switch (opcode) {
            case 0x2A, 0x2C, 0x2D -> !f3 && !f2;
            case 0xD6 -> f3 || f2;
            case 0xE7 -> !p66 && !f3 && !f2;
            case 0xF7 -> !f3 && !f2;
            default -> false;
        };
    }

    void execute(Instruction i) {
        boolean p66 = (i.prefixes & Instruction.P_OPSIZE) != 0;
        boolean f3 = (i.prefixes & Instruction.P_REP) != 0;
        int opcode = i.opcode & 0xFF;
        int d = i.reg * 2;
        switch (opcode) {
            case 0x2A -> {
                long s = mmSource(i);
                if (p66) { // CVTPI2PD, exact
                    x[d] = Double.doubleToRawLongBits((int) s);
                    x[d + 1] = Double.doubleToRawLongBits((int) (s >>> 32));
                } else { // CVTPI2PS: the upper half of the destination is kept
                    x[d] = (fp.intToFloat((int) s) & 0xFFFFFFFFL) | (long) fp.intToFloat((int) (s >>> 32)) << 32;
                }
            }
            case 0x2C, 0x2D -> {
                boolean truncate = opcode == 0x2C;
                long r;
                if (p66) { // CVT(T)PD2PI: a 128-bit aligned source
                    sse.loadSrc(i, true);
                    r = (packed.d2i(sse.srcLo, truncate) & 0xFFFFFFFFL) | packed.d2i(sse.srcHi, truncate) << 32;
                } else { // CVT(T)PS2PI: a 64-bit source
                    long s = i.mod == 3 ? x[i.rm * 2] : mem.read64(in.ea(i));
                    r = (packed.f2i((int) s, truncate) & 0xFFFFFFFFL) | packed.f2i((int) (s >>> 32), truncate) << 32;
                }
                mmx.enter();
                mmx.write(i.reg & 7, r);
            }
            case 0xD6 -> {
                if (i.mod != 3) {
                    throw ud(i);
                }
                mmx.enter();
                if (f3) { // MOVQ2DQ xmm, mm
                    x[d] = mm[i.rm & 7];
                    x[d + 1] = 0;
                } else { // MOVDQ2Q mm, xmm
                    mmx.write(i.reg & 7, x[i.rm * 2]);
                }
            }
            case 0xE7 -> { // MOVNTQ
                mmx.enter();
                mem.write64(in.ea(i), mm[i.reg & 7]);
            }
            default -> maskedStore(i, p66);
        }
    }

    /** MASKMOVQ / MASKMOVDQU: the bytes of the first register whose mask byte has its top bit set go to [rDI]. */
    private void maskedStore(Instruction i, boolean p66) {
        if (i.mod != 3) {
            throw ud(i);
        }
        long address = in.segmented(i, cpu.regs[CpuState.RDI] & Interpreter.mask(i.addrSize));
        if (!p66) {
            mmx.enter();
        }
        int lanes = p66 ? 2 : 1;
        for (int q = 0; q < lanes; q++) {
            long data = p66 ? x[i.reg * 2 + q] : mm[i.reg & 7];
            long mask = p66 ? x[i.rm * 2 + q] : mm[i.rm & 7];
            for (int k = 0; k < 8; k++) {
                if ((mask >>> (8 * k + 7) & 1) != 0) {
                    mem.write(address + q * 8 + k, 1, data >>> (8 * k));
                }
            }
        }
    }

    private long mmSource(Instruction i) {
        if (i.mod != 3) {
            return mem.read64(in.ea(i));
        }
        mmx.enter();
        return mm[i.rm & 7];
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }
}
