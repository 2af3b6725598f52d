package io.hvx.cpu.system;

import static io.hvx.cpu.interp.CpuState.DF;
import static io.hvx.cpu.interp.CpuState.IF;
import static io.hvx.cpu.interp.CpuState.OF;
import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDI;
import static io.hvx.cpu.interp.CpuState.RDX;
import static io.hvx.cpu.interp.CpuState.RSI;
import static io.hvx.cpu.interp.CpuState.RSP;
import static io.hvx.cpu.interp.CpuState.ZF;
import static io.hvx.cpu.system.SystemState.ATTR_CODE;
import static io.hvx.cpu.system.SystemState.ATTR_DB;
import static io.hvx.cpu.system.SystemState.ATTR_L;
import static io.hvx.cpu.system.SystemState.ATTR_P;
import static io.hvx.cpu.system.SystemState.ATTR_S;
import static io.hvx.cpu.system.SystemState.ATTR_WRITABLE;
import static io.hvx.cpu.system.SystemState.CR0_PE;
import static io.hvx.cpu.system.SystemState.CR0_PG;
import static io.hvx.cpu.system.SystemState.CR0_TS;
import static io.hvx.cpu.system.SystemState.CR0_WP;
import static io.hvx.cpu.system.SystemState.CR4_PAE;
import static io.hvx.cpu.system.SystemState.CR4_PGE;
import static io.hvx.cpu.system.SystemState.CS;
import static io.hvx.cpu.system.SystemState.DS;
import static io.hvx.cpu.system.SystemState.EFER_LMA;
import static io.hvx.cpu.system.SystemState.EFER_LME;
import static io.hvx.cpu.system.SystemState.EFER_NXE;
import static io.hvx.cpu.system.SystemState.EFER_SCE;
import static io.hvx.cpu.system.SystemState.ES;
import static io.hvx.cpu.system.SystemState.FS;
import static io.hvx.cpu.system.SystemState.GS;
import static io.hvx.cpu.system.SystemState.SS;

import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.ExecStatus;
import io.hvx.cpu.interp.Interpreter;
import io.hvx.cpu.interp.Privileged;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.mmu.Mmu;
import io.hvx.devices.bus.IoBus;

/** The system instructions of a vCPU in system mode: privilege checks, then their effect on the machine. */
final class SystemInstructions implements Privileged {
    private final CpuState cpu;
    private final SystemState sys;
    private final Mmu mmu;
    private final Interpreter in;
    private final Segments segments;
    private final Delivery delivery;
    private final Msrs msrs;
    private final Tsc tsc;
    private final IoBus bus;
    private final int apicId;
    private final int vcpus;

    SystemInstructions(CpuState cpu, SystemState sys, Mmu mmu, Interpreter in, Segments segments, Delivery delivery,
            Msrs msrs, Tsc tsc, IoBus bus, int apicId, int vcpus) {
        this.cpu = cpu;
        this.sys = sys;
        this.mmu = mmu;
        this.in = in;
        this.segments = segments;
        this.delivery = delivery;
        this.msrs = msrs;
        this.tsc = tsc;
        this.bus = bus;
        this.apicId = apicId;
        this.vcpus = vcpus;
    }

    private static GuestFault ud() {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, 0, false);
    }

    private void requireCpl0() {
        if (sys.cpl != 0) {
            throw Segments.gp(0);
        }
    }

    private void requireIopl() {
        if (sys.protectedMode() && sys.cpl > ((cpu.rflags >>> 12) & 3)) {
            throw Segments.gp(0);
        }
    }

    private boolean long64() {
        return sys.codeMode == Decoder.MODE_64;
    }

    @Override
    public int execute(Instruction i) {
        long[] r = cpu.regs;
        switch (i.op) {
            case HLT -> {
                requireCpl0();
                return ExecStatus.HALT;
            }
            case CLI -> {
                requireIopl();
                cpu.rflags &= ~IF;
            }
            case STI -> {
                requireIopl();
                if ((cpu.rflags & IF) == 0) {
                    sys.interruptShadow = true;
                }
                cpu.rflags |= IF;
            }
            case POPF -> delivery.setFlags(in.pop(i.opSize), i.opSize);
            case CPUID -> SystemCpuid.execute(r, apicId, vcpus);
            case RDTSC -> {
                if ((sys.cr4 & SystemState.CR4_TSD) != 0 && sys.cpl != 0) {
                    throw Segments.gp(0);
                }
                long t = tsc.read();
                r[RAX] = t & 0xFFFFFFFFL;
                r[RDX] = t >>> 32;
            }
            case RDMSR -> {
                requireCpl0();
                long v = msrs.read((int) r[RCX]);
                r[RAX] = v & 0xFFFFFFFFL;
                r[RDX] = v >>> 32;
            }
            case WRMSR -> {
                requireCpl0();
                msrs.write((int) r[RCX], (r[RAX] & 0xFFFFFFFFL) | (r[RDX] << 32));
            }
            case IN -> {
                requireIopl();
                int size = Math.min(i.opSize, 4);
                int port = i.shape == io.hvx.cpu.decode.Shape.A_I ? (int) r[RDX] & 0xFFFF : (int) i.imm;
                in.setReg(RAX, size, true, bus.in(port, size) & 0xFFFFFFFFL);
            }
            case OUT -> {
                requireIopl();
                int size = Math.min(i.opSize, 4);
                int port = i.shape == io.hvx.cpu.decode.Shape.A_I ? (int) r[RDX] & 0xFFFF : (int) i.imm;
                bus.out(port, size, (int) (r[RAX] & (size == 4 ? 0xFFFFFFFFL : (1L << (size * 8)) - 1)));
            }
            case INS, OUTS -> string(i);
            case INT -> delivery.software((int) i.imm);
            case INT3 -> delivery.software(3);
            case INTO -> {
                if ((cpu.flags() & OF) != 0) {
                    delivery.software(4);
                }
            }
            case INT1 -> delivery.software(1);
            case IRET -> delivery.iret(i.opSize);
            case SYSCALL -> syscall();
            case SYSRET -> sysret(i);
            case MOV_FROM_CR -> in.setReg(i.rm, long64() ? 8 : 4, true, readCr(i.reg));
            case MOV_TO_CR -> {
                requireCpl0();
                writeCr(i.reg, long64() ? r[i.rm] : r[i.rm] & 0xFFFFFFFFL);
            }
            case MOV_FROM_DR -> {
                requireCpl0();
                in.setReg(i.rm, long64() ? 8 : 4, true, sys.dr[debugIndex(i.reg)]);
            }
            case MOV_TO_DR -> {
                requireCpl0();
                sys.dr[debugIndex(i.reg)] = r[i.rm];
            }
            case CLTS -> {
                requireCpl0();
                sys.cr0 &= ~CR0_TS;
            }
            case WBINVD -> requireCpl0();
            case MOV_FROM_SREG -> {
                int seg = i.reg & 7;
                if (seg > GS) {
                    throw ud();
                }
                if (i.mod == 3) {
                    in.setReg(i.rm, i.opSize == 2 ? 2 : i.opSize, true, sys.selector[seg]);
                } else {
                    mmu.write16(in.ea(i), sys.selector[seg]);
                }
            }
            case MOV_TO_SREG -> {
                int seg = i.reg & 7;
                if (seg > GS || seg == CS) {
                    throw ud();
                }
                segments.loadData(seg, (int) in.readE(i, 2));
                if (seg == SS) {
                    sys.interruptShadow = true;
                }
            }
            case PUSH_SREG -> in.push(sys.selector[sregOf(i)], i.opSize);
            case POP_SREG -> {
                int seg = sregOf(i);
                long saved = r[RSP];
                int sel = (int) in.pop(i.opSize) & 0xFFFF;
                try {
                    segments.loadData(seg, sel);
                } catch (GuestFault f) {
                    r[RSP] = saved;
                    throw f;
                }
                if (seg == SS) {
                    sys.interruptShadow = true;
                }
            }
            case LOAD_FAR_POINTER -> {
                long a = in.ea(i);
                long offset = mmu.read(a, i.opSize);
                int sel = mmu.read16(a + i.opSize);
                int seg = switch (i.opcode & 0xFF) {
                    case 0xB2 -> SS;
                    case 0xB4 -> FS;
                    default -> GS;
                };
                segments.loadData(seg, sel);
                in.setReg(i.reg, i.opSize, true, offset);
            }
            case JMP_FAR -> farJump((int) i.disp, i.imm);
            case JMP_FAR_E -> {
                long a = in.ea(i);
                farJump(mmu.read16(a + i.opSize), mmu.read(a, i.opSize));
            }
            case CALL_FAR -> farCall((int) i.disp, i.imm, i.opSize);
            case CALL_FAR_E -> {
                long a = in.ea(i);
                farCall(mmu.read16(a + i.opSize), mmu.read(a, i.opSize), i.opSize);
            }
            case RETF -> farReturn(i);
            case GROUP6 -> group6(i);
            case GROUP7 -> {
                return group7(i);
            }
            case LAR, LSL -> loadAccessOrLimit(i);
            default -> throw ud();
        }
        return ExecStatus.CONTINUE;
    }

    private static int sregOf(Instruction i) {
        int b = i.opcode & 0xFF;
        if (i.opcode >= 0x100) {
            return b < 0xA8 ? FS : GS;
        }
        return (b >>> 3) & 3;
    }

    private int debugIndex(int reg) {
        if (reg > 7) {
            throw ud();
        }
        if (reg == 4 || reg == 5) {
            if ((sys.cr4 & SystemState.CR4_DE) != 0) {
                throw ud();
            }
            return reg + 2;
        }
        return reg;
    }

    private long readCr(int n) {
        requireCpl0();
        return switch (n) {
            case 0 -> sys.cr0;
            case 2 -> sys.cr2;
            case 3 -> sys.cr3;
            case 4 -> sys.cr4;
            case 8 -> sys.cr8;
            default -> throw ud();
        };
    }

    private void writeCr(int n, long v) {
        switch (n) {
            case 0 -> writeCr0(v);
            case 2 -> sys.cr2 = v;
            case 3 -> {
                sys.cr3 = v & (sys.longModeActive() ? 0x000F_FFFF_FFFF_FFFFL : 0xFFFF_FFFFL);
                configureMmu();
            }
            case 4 -> {
                if ((v & ~SystemState.CR4_SUPPORTED) != 0 || (sys.longModeActive() && (v & CR4_PAE) == 0)) {
                    throw Segments.gp(0);
                }
                sys.cr4 = v;
                configureMmu();
                mmu.flushAll();
            }
            case 8 -> {
                if ((v & ~0xFL) != 0) {
                    throw Segments.gp(0);
                }
                sys.cr8 = v;
            }
            default -> throw ud();
        }
    }

    private void writeCr0(long v) {
        if ((v >>> 32) != 0 || ((v & CR0_PG) != 0 && (v & CR0_PE) == 0)) {
            throw Segments.gp(0);
        }
        boolean enablePaging = (v & CR0_PG) != 0 && (sys.cr0 & CR0_PG) == 0;
        boolean disablePaging = (v & CR0_PG) == 0 && (sys.cr0 & CR0_PG) != 0;
        if (enablePaging && (sys.efer & EFER_LME) != 0) {
            if ((sys.cr4 & CR4_PAE) == 0) {
                throw Segments.gp(0);
            }
            sys.efer |= EFER_LMA;
        } else if (enablePaging) {
            throw new UnsupportedOperationException("32-bit paging (CR0.PG without EFER.LME) is not implemented");
        }
        if (disablePaging) {
            if (sys.codeMode == Decoder.MODE_64) {
                throw Segments.gp(0);
            }
            sys.efer &= ~EFER_LMA;
        }
        sys.cr0 = v | SystemState.CR0_ET;
        configureMmu();
        segments.refresh();
    }

    void configureMmu() {
        mmu.configure((sys.cr0 & CR0_PG) != 0, (sys.cr0 & CR0_WP) != 0, (sys.cr4 & CR4_PGE) != 0,
                (sys.efer & EFER_NXE) != 0, sys.cr3);
    }

    private void syscall() {
        if (!sys.longModeActive() || (sys.efer & EFER_SCE) == 0) {
            throw ud();
        }
        long[] r = cpu.regs;
        r[RCX] = cpu.rip;
        r[11] = cpu.flags() & ~Delivery.RF;
        int sel = (int) (msrs.star >>> 32) & 0xFFFC;
        segments.setCode(sel, 0, 0, 0xFFFFFFFFL, 0xA09B & 0xF0FF | ATTR_L | SystemState.ATTR_G);
        segments.setStack(sel + 8, 0, ATTR_S | ATTR_WRITABLE | ATTR_P | ATTR_DB | SystemState.ATTR_G | 1);
        cpu.rflags &= ~msrs.fmask;
        cpu.rflags |= 2;
        cpu.rip = sys.codeMode == Decoder.MODE_64 ? msrs.lstar : msrs.lstar;
    }

    private void sysret(Instruction i) {
        if (!sys.longModeActive() || (sys.efer & EFER_SCE) == 0) {
            throw ud();
        }
        requireCpl0();
        long[] r = cpu.regs;
        int base = (int) (msrs.star >>> 48) & 0xFFFF;
        boolean to64 = i.opSize == 8;
        if (to64 && (r[RCX] << 16 >> 16) != r[RCX]) {
            throw Segments.gp(0);
        }
        int user = 3 << 5 | ATTR_S | ATTR_P | SystemState.ATTR_G | 1;
        if (to64) {
            segments.setCode(base + 16, 3, 0, 0xFFFFFFFFL, user | ATTR_CODE | ATTR_WRITABLE | ATTR_L);
            cpu.rip = r[RCX];
        } else {
            segments.setCode(base, 3, 0, 0xFFFFFFFFL, user | ATTR_CODE | ATTR_WRITABLE | ATTR_DB);
            cpu.rip = r[RCX] & 0xFFFFFFFFL;
        }
        cpu.materializeFlags();
        cpu.rflags = (r[11] & 0x3C7FD7L) | 2;
        segments.setStack((base + 8) | 3, 0, user | ATTR_WRITABLE | ATTR_DB);
    }

    private void farJump(int selector, long offset) {
        segments.loadCode(selector, sys.protectedMode() ? sys.cpl : 0);
        cpu.rip = offset;
    }

    private void farCall(int selector, long offset, int size) {
        long savedRsp = cpu.regs[RSP];
        int oldCs = sys.selector[CS];
        long ret = cpu.rip;
        in.push(oldCs, size);
        in.push(ret, size);
        try {
            segments.loadCode(selector, sys.protectedMode() ? sys.cpl : 0);
        } catch (GuestFault f) {
            cpu.regs[RSP] = savedRsp;
            throw f;
        }
        cpu.rip = offset;
    }

    private void farReturn(Instruction i) {
        long[] r = cpu.regs;
        long savedRsp = r[RSP];
        long rip = in.pop(i.opSize);
        int cs = (int) in.pop(i.opSize) & 0xFFFF;
        int rpl = sys.protectedMode() ? cs & 3 : 0;
        try {
            if (rpl < sys.cpl) {
                throw Segments.gp(cs & ~3);
            }
            int oldCpl = sys.cpl;
            segments.loadCode(cs, rpl);
            in.setReg(RSP, cpu.stackSize, true, r[RSP] + i.imm);
            if (rpl > oldCpl) {
                long rsp = in.pop(i.opSize);
                int ss = (int) in.pop(i.opSize) & 0xFFFF;
                segments.loadData(SS, ss);
                r[RSP] = rsp + i.imm;
                segments.dropInaccessibleDataSegments();
            }
        } catch (GuestFault f) {
            r[RSP] = savedRsp;
            throw f;
        }
        cpu.rip = rip;
    }

    private void group6(Instruction i) {
        int op = i.reg & 7;
        if (!sys.protectedMode()) {
            throw ud();
        }
        switch (op) {
            case 0, 1 -> {
                int sel = op == 0 ? sys.ldtSelector : sys.trSelector;
                if (i.mod == 3) {
                    in.setReg(i.rm, i.opSize, true, sel);
                } else {
                    mmu.write16(in.ea(i), sel);
                }
            }
            case 2 -> {
                requireCpl0();
                int sel = (int) in.readE(i, 2);
                if ((sel & ~3) == 0) {
                    sys.ldtSelector = sel;
                    sys.ldtBase = 0;
                    sys.ldtLimit = 0;
                    return;
                }
                long d = segments.descriptor(sel & ~4);
                int a = Segments.attrs(d);
                if ((a & 0x1F) != 2 || (a & ATTR_P) == 0) {
                    throw Segments.gp(sel & ~3);
                }
                long hi = sys.longModeActive() ? segments.readSupervisor64(sys.gdtBase + (sel & ~7) + 8) : 0;
                sys.ldtSelector = sel;
                sys.ldtBase = Segments.base(d) | (hi << 32);
                sys.ldtLimit = Segments.limit(d);
            }
            case 3 -> {
                requireCpl0();
                int sel = (int) in.readE(i, 2);
                if ((sel & ~3) == 0 || (sel & 4) != 0) {
                    throw Segments.gp(sel & ~3);
                }
                long d = segments.descriptor(sel);
                int a = Segments.attrs(d);
                if ((a & 0x1F) != 9 && (a & 0x1F) != 1) {
                    throw Segments.gp(sel & ~3);
                }
                if ((a & ATTR_P) == 0) {
                    throw Segments.fault(GuestFault.Kind.SEGMENT_NOT_PRESENT, sel & ~3);
                }
                long hi = sys.longModeActive() ? segments.readSupervisor64(sys.gdtBase + (sel & ~7) + 8) : 0;
                segments.writeSupervisor64(sys.gdtBase + (sel & ~7), d | (2L << 40)); // mark busy
                sys.trSelector = sel;
                sys.trBase = Segments.base(d) | ((hi & 0xFFFFFFFFL) << 32);
                sys.trLimit = Segments.limit(d);
                sys.trAttrs = a | 2;
            }
            case 4, 5 -> {
                int sel = (int) in.readE(i, 2);
                boolean ok;
                try {
                    int a = (sel & ~3) == 0 ? 0 : Segments.attrs(segments.descriptor(sel));
                    boolean code = (a & ATTR_CODE) != 0;
                    ok = (a & ATTR_S) != 0 && (op == 4 ? !code || (a & ATTR_WRITABLE) != 0 : !code
                            && (a & ATTR_WRITABLE) != 0) && Segments.dpl(a) >= Math.max(sys.cpl, sel & 3);
                } catch (GuestFault f) {
                    ok = false;
                }
                cpu.materializeFlags();
                cpu.rflags = ok ? cpu.rflags | ZF : cpu.rflags & ~ZF;
            }
            default -> throw ud();
        }
    }

    private int group7(Instruction i) {
        int op = i.reg & 7;
        if (i.mod == 3) {
            int rm = i.rm & 7;
            switch (op) {
                case 4 -> in.setReg(i.rm, i.opSize, true, sys.cr0 & 0xFFFF);
                case 6 -> lmsw((int) cpu.regs[i.rm]);
                case 7 -> {
                    if (rm == 0) { // SWAPGS
                        if (!long64()) {
                            throw ud();
                        }
                        requireCpl0();
                        long g = cpu.gsBase;
                        cpu.gsBase = msrs.kernelGsBase;
                        msrs.kernelGsBase = g;
                    } else if (rm == 1) { // RDTSCP
                        long t = tsc.read();
                        cpu.regs[RAX] = t & 0xFFFFFFFFL;
                        cpu.regs[RDX] = t >>> 32;
                        cpu.regs[RCX] = msrs.tscAux;
                    } else {
                        throw ud();
                    }
                }
                default -> throw ud();
            }
            return ExecStatus.CONTINUE;
        }
        long a = in.ea(i);
        int baseBytes = long64() ? 8 : 4;
        switch (op) {
            case 0, 1 -> {
                mmu.write16(a, op == 0 ? sys.gdtLimit : sys.idtLimit);
                mmu.write(a + 2, baseBytes, op == 0 ? sys.gdtBase : sys.idtBase);
            }
            case 2, 3 -> {
                requireCpl0();
                int limit = mmu.read16(a);
                long base = mmu.read(a + 2, baseBytes);
                if (!long64() && i.opSize == 2) {
                    base &= 0xFFFFFF;
                }
                if (op == 2) {
                    sys.gdtLimit = limit;
                    sys.gdtBase = base;
                } else {
                    sys.idtLimit = limit;
                    sys.idtBase = base;
                }
            }
            case 4 -> mmu.write16(a, (int) sys.cr0);
            case 6 -> lmsw(mmu.read16(a));
            case 7 -> {
                requireCpl0();
                mmu.invalidate(a);
            }
            default -> throw ud();
        }
        return ExecStatus.CONTINUE;
    }

    /** LAR/LSL: ZF tells whether the selector names a descriptor visible at this privilege (the vDSO's getcpu uses LSL). */
    private void loadAccessOrLimit(Instruction i) {
        if (!sys.protectedMode()) {
            throw ud();
        }
        int sel = (int) in.readE(i, 2);
        long d;
        try {
            d = (sel & ~3) == 0 ? 0 : segments.descriptor(sel);
        } catch (GuestFault f) {
            d = 0;
        }
        int a = Segments.attrs(d);
        boolean ok = d != 0;
        if (ok && (a & ATTR_S) == 0) {
            int type = a & 0xF;
            ok = i.op == io.hvx.cpu.decode.Op.LSL ? type == 2 || type == 9 || type == 0xB
                    : type == 2 || type == 9 || type == 0xB || type == 0xC;
        }
        boolean conformingCode = (a & ATTR_CODE) != 0 && (a & 4) != 0 && (a & ATTR_S) != 0;
        if (ok && !conformingCode && (Segments.dpl(a) < sys.cpl || Segments.dpl(a) < (sel & 3))) {
            ok = false;
        }
        cpu.materializeFlags();
        if (!ok) {
            cpu.rflags &= ~ZF;
            return;
        }
        long v = i.op == io.hvx.cpu.decode.Op.LSL ? Segments.limit(d) : (d >>> 32) & 0x00F0FF00L;
        in.setReg(i.reg, i.opSize, true, v);
        cpu.rflags |= ZF;
    }

    private void lmsw(int v) {
        requireCpl0();
        // LMSW sets PE but never clears it, and touches only MP, EM and TS besides
        long cr0 = (sys.cr0 & ~0xEL) | (v & 0xF) | (sys.cr0 & CR0_PE);
        writeCr0(cr0);
    }

    private void string(Instruction i) {
        requireIopl();
        long[] r = cpu.regs;
        int size = Math.min(i.opSize, 4);
        long am = i.addrSize == 8 ? -1L : i.addrSize == 4 ? 0xFFFFFFFFL : 0xFFFF;
        boolean rep = (i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0;
        long step = (cpu.rflags & DF) != 0 ? -size : size;
        int port = (int) r[RDX] & 0xFFFF;
        boolean legacy = !long64();
        while (!rep || (r[RCX] & am) != 0) {
            if (i.op == io.hvx.cpu.decode.Op.INS) {
                long di = r[RDI] & am;
                long at = (legacy ? cpu.segBase[Instruction.SEG_ES] : 0) + di;
                mmu.write(at, size, bus.in(port, size) & 0xFFFFFFFFL);
                in.setReg(RDI, i.addrSize, true, di + step);
            } else {
                long si = r[RSI] & am;
                long seg = i.segment == Instruction.SEG_NONE ? 0 : i.segment == Instruction.SEG_FS ? cpu.fsBase
                        : i.segment == Instruction.SEG_GS ? cpu.gsBase : cpu.segBase[i.segment];
                bus.out(port, size, (int) mmu.read(seg + si, size)); // read() zero-extends
                in.setReg(RSI, i.addrSize, true, si + step);
            }
            if (!rep) {
                return;
            }
            in.setReg(RCX, i.addrSize, true, (r[RCX] - 1) & am);
        }
    }

    static boolean isDataSegment(int seg) {
        return seg == DS || seg == ES || seg == FS || seg == GS;
    }
}
