package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.DF;
import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDI;
import static io.hvx.cpu.interp.CpuState.RSI;
import static io.hvx.cpu.interp.CpuState.ZF;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.LinearMemory;

/** MOVS/CMPS/STOS/LODS/SCAS with REP/REPE/REPNE; registers advance per element so a fault is precise. */
final class Strings {
    private Strings() {
    }

    static void execute(Interpreter in, CpuState cpu, LinearMemory mem, Instruction i) {
        long[] r = cpu.regs;
        int size = i.opSize;
        long am = Interpreter.mask(i.addrSize);
        long step = (cpu.rflags & DF) != 0 ? -size : size;
        boolean rep = (i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0;
        boolean compares = i.op == Op.CMPS || i.op == Op.SCAS;
        boolean repe = (i.prefixes & Instruction.P_REP) != 0;
        long seg = i.segment == Instruction.SEG_NONE ? 0 : i.segment == Instruction.SEG_FS ? cpu.fsBase
                : i.segment == Instruction.SEG_GS ? cpu.gsBase : cpu.segBase[i.segment];
        // the destination is always ES:rDI; ES has base zero in 64-bit mode
        long dseg = cpu.stackSize == 8 ? 0 : cpu.segBase[Instruction.SEG_ES];
        while (true) {
            if (rep && (r[RCX] & am) == 0) {
                return;
            }
            long si = r[RSI] & am;
            long di = r[RDI] & am;
            switch (i.op) {
                case MOVS -> {
                    mem.write(dseg + di, size, mem.read(seg + si, size));
                    advance(r, RSI, step, i.addrSize);
                    advance(r, RDI, step, i.addrSize);
                }
                case STOS -> {
                    mem.write(dseg + di, size, r[RAX]);
                    advance(r, RDI, step, i.addrSize);
                }
                case LODS -> {
                    in.setReg(RAX, size, true, mem.read(seg + si, size));
                    advance(r, RSI, step, i.addrSize);
                }
                case CMPS -> {
                    long a = mem.read(seg + si, size);
                    long b = mem.read(dseg + di, size);
                    in.compare(a, b, size);
                    advance(r, RSI, step, i.addrSize);
                    advance(r, RDI, step, i.addrSize);
                }
                default -> { // SCAS
                    long b = mem.read(dseg + di, size);
                    in.compare(r[RAX], b, size);
                    advance(r, RDI, step, i.addrSize);
                }
            }
            if (!rep) {
                return;
            }
            advance(r, RCX, -1, i.addrSize);
            if (compares && LazyFlags.zero(cpu) != repe) {
                return;
            }
        }
    }

    private static void advance(long[] r, int reg, long delta, int addrSize) {
        if (addrSize == 8) {
            r[reg] += delta;
        } else {
            r[reg] = (r[reg] + delta) & 0xFFFFFFFFL;
        }
    }
}
