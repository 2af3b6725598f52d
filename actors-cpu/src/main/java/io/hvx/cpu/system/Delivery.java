package io.hvx.cpu.system;

import static io.hvx.cpu.interp.CpuState.IF;
import static io.hvx.cpu.interp.CpuState.RSP;
import static io.hvx.cpu.interp.CpuState.TF;
import static io.hvx.cpu.system.SystemState.ATTR_DB;
import static io.hvx.cpu.system.SystemState.ATTR_L;
import static io.hvx.cpu.system.SystemState.ATTR_P;
import static io.hvx.cpu.system.SystemState.ATTR_S;
import static io.hvx.cpu.system.SystemState.ATTR_WRITABLE;
import static io.hvx.cpu.system.SystemState.CS;
import static io.hvx.cpu.system.SystemState.SS;

import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.Interpreter;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.mmu.Mmu;

/** Delivers exceptions and interrupts through the IVT (real mode) or the 64-bit IDT, and returns from them (IRET). */
final class Delivery {
    static final long NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18, IOPL = 3 << 12;
    private final CpuState cpu;
    private final SystemState sys;
    private final Mmu mmu;
    private final Segments segments;
    private final Interpreter interpreter;

    Delivery(CpuState cpu, SystemState sys, Mmu mmu, Segments segments, Interpreter interpreter) {
        this.cpu = cpu;
        this.sys = sys;
        this.mmu = mmu;
        this.segments = segments;
        this.interpreter = interpreter;
    }

    /**
     * Raises an exception for a fault whose instruction has been rolled back (RIP points at it): handles the
     * double-fault rules, and throws {@link TripleFaultException} when even #DF cannot be delivered.
     */
    void raise(GuestFault f) {
        GuestFault.Kind kind = f.kind();
        if (kind == GuestFault.Kind.PAGE_FAULT) {
            sys.cr2 = f.address();
        }
        try {
            deliver(kind.vector(), kind.hasErrorCode(), f.errorCode(), false, false);
        } catch (GuestFault second) {
            if (kind == GuestFault.Kind.DOUBLE_FAULT) {
                throw new TripleFaultException("a fault (" + second.getMessage() + ") while delivering #DF");
            }
            boolean firstSerious = contributory(kind) || kind == GuestFault.Kind.PAGE_FAULT;
            boolean secondSerious = contributory(second.kind()) || second.kind() == GuestFault.Kind.PAGE_FAULT;
            if (firstSerious && secondSerious && !(contributory(kind) && second.kind() == GuestFault.Kind.PAGE_FAULT)) {
                raise(new GuestFault(GuestFault.Kind.DOUBLE_FAULT, f.address(), false, 0));
            } else {
                raise(second);
            }
        }
    }

    private static boolean contributory(GuestFault.Kind k) {
        return switch (k) {
            case DIVIDE_ERROR, INVALID_TSS, SEGMENT_NOT_PRESENT, STACK_FAULT, GENERAL_PROTECTION -> true;
            default -> false;
        };
    }

    /** Delivers an external interrupt or NMI at an instruction boundary. */
    void external(int vector) {
        try {
            deliver(vector, false, 0, false, true);
        } catch (GuestFault f) {
            raise(f);
        }
    }

    /** INT n, INT3, INTO: a software interrupt, checked against the gate's DPL; RIP already points after it. */
    void software(int vector) {
        deliver(vector, false, 0, true, false);
    }

    private void deliver(int vector, boolean hasError, int error, boolean software, boolean external) {
        int ext = external ? 1 : 0;
        if (!sys.protectedMode()) {
            deliverReal(vector);
            return;
        }
        if (!sys.longModeActive()) {
            throw new TripleFaultException("vector " + vector + " raised in 32-bit protected mode, which hvx does not "
                    + "deliver (only real mode and long mode IDTs)");
        }
        int gateError = vector * 8 + 2 + ext;
        if (vector * 16L + 15 > sys.idtLimit) {
            throw Segments.gp(gateError);
        }
        long lo = segments.readSupervisor64(sys.idtBase + vector * 16L);
        long hi = segments.readSupervisor64(sys.idtBase + vector * 16L + 8);
        int type = (int) (lo >>> 40) & 0xF;
        int gateDpl = (int) (lo >>> 45) & 3;
        if (type != 0xE && type != 0xF) {
            throw Segments.gp(gateError);
        }
        if (software && gateDpl < sys.cpl) {
            throw Segments.gp(gateError);
        }
        if ((lo & (1L << 47)) == 0) {
            throw Segments.fault(GuestFault.Kind.SEGMENT_NOT_PRESENT, gateError);
        }
        long target = (lo & 0xFFFF) | ((lo >>> 32) & 0xFFFF0000L) | (hi << 32);
        int selector = (int) (lo >>> 16) & 0xFFFF;
        int ist = (int) (lo >>> 32) & 7;
        if ((selector & ~3) == 0) {
            throw Segments.gp(ext);
        }
        long d = segments.descriptor(selector);
        int a = Segments.attrs(d);
        if ((a & (ATTR_S | SystemState.ATTR_CODE)) != (ATTR_S | SystemState.ATTR_CODE) || (a & ATTR_L) == 0
                || (a & ATTR_DB) != 0) {
            throw Segments.gp((selector & ~3) + ext);
        }
        if ((a & ATTR_P) == 0) {
            throw Segments.fault(GuestFault.Kind.SEGMENT_NOT_PRESENT, (selector & ~3) + ext);
        }
        boolean conforming = (a & 4) != 0;
        int newCpl = conforming ? sys.cpl : Segments.dpl(a);
        if (newCpl > sys.cpl) {
            throw Segments.gp((selector & ~3) + ext);
        }
        long oldRsp = cpu.regs[RSP];
        int oldSs = sys.selector[SS];
        long rsp;
        if (ist != 0) {
            rsp = segments.readSupervisor64(sys.trBase + 0x24 + (ist - 1) * 8L);
        } else if (newCpl < sys.cpl) {
            rsp = segments.readSupervisor64(sys.trBase + 4 + newCpl * 8L);
        } else {
            rsp = oldRsp;
        }
        rsp &= ~0xFL;
        boolean user = mmu.user();
        mmu.privilege(false);
        try {
            mmu.write64(rsp - 8, oldSs);
            mmu.write64(rsp - 16, oldRsp);
            mmu.write64(rsp - 24, cpu.flags());
            mmu.write64(rsp - 32, sys.selector[CS]);
            mmu.write64(rsp - 40, cpu.rip);
            rsp -= 40;
            if (hasError) {
                rsp -= 8;
                mmu.write64(rsp, error & 0xFFFFFFFFL);
            }
        } catch (GuestFault f) {
            mmu.privilege(user);
            throw f;
        }
        boolean privilegeChange = newCpl != sys.cpl;
        segments.setCode(selector, newCpl, 0, 0xFFFFFFFFL, a);
        if (privilegeChange) {
            // 64-bit mode loads a null SS carrying the new privilege level
            segments.setStack(newCpl, 0, (newCpl << 5) | ATTR_S | ATTR_WRITABLE | ATTR_P | ATTR_DB);
        }
        cpu.regs[RSP] = rsp;
        cpu.rip = target;
        cpu.rflags &= ~(TF | NT | RF | VM);
        if (type == 0xE) {
            cpu.rflags &= ~IF;
        }
    }

    private void deliverReal(int vector) {
        if (vector * 4L + 3 > sys.idtLimit) {
            throw Segments.gp(0);
        }
        long entry = mmu.read32(sys.idtBase + vector * 4L) & 0xFFFFFFFFL;
        interpreter.push(cpu.flags() & 0xFFFF, 2);
        interpreter.push(sys.selector[CS], 2);
        interpreter.push(cpu.rip & 0xFFFF, 2);
        segments.loadCode((int) (entry >>> 16), 0);
        cpu.rip = entry & 0xFFFF;
        cpu.rflags &= ~(IF | TF | AC);
    }

    /** IRET/IRETD/IRETQ; {@code size} is the operand size. */
    void iret(int size) {
        if (!sys.protectedMode()) {
            long ip = interpreter.pop(size);
            int cs = (int) interpreter.pop(size) & 0xFFFF;
            long flags = interpreter.pop(size);
            segments.loadCode(cs, 0);
            cpu.rip = ip;
            setFlags(flags, size);
            return;
        }
        if ((cpu.rflags & NT) != 0) {
            throw Segments.gp(0); // task switches are not implemented; 64-bit mode forbids them anyway
        }
        long savedRsp = cpu.regs[RSP];
        long rip = interpreter.pop(size);
        int cs = (int) interpreter.pop(size) & 0xFFFF;
        long flags = interpreter.pop(size);
        int rpl = cs & 3;
        if (rpl < sys.cpl) {
            cpu.regs[RSP] = savedRsp;
            throw Segments.gp(cs & ~3);
        }
        boolean longMode = sys.codeMode == Decoder.MODE_64;
        long rsp = 0;
        int ss = 0;
        if (longMode || rpl > sys.cpl) {
            rsp = interpreter.pop(size);
            ss = (int) interpreter.pop(size) & 0xFFFF;
        }
        int oldCpl = sys.cpl;
        try {
            segments.loadCode(cs, rpl);
        } catch (GuestFault f) {
            cpu.regs[RSP] = savedRsp;
            throw f;
        }
        cpu.rip = rip;
        sys.cpl = oldCpl; // flags are checked against the old privilege
        setFlags(flags, size);
        sys.cpl = rpl;
        if (longMode || rpl != oldCpl) {
            if ((ss & ~3) == 0 && longMode && rpl != 3) {
                segments.setStack(ss, 0, (rpl << 5) | ATTR_S | ATTR_WRITABLE | ATTR_P | ATTR_DB);
            } else {
                segments.loadData(SS, ss);
            }
            cpu.regs[RSP] = size == 4 && !longMode ? rsp & 0xFFFFFFFFL : rsp;
            if (rpl > oldCpl) {
                segments.dropInaccessibleDataSegments();
            }
        }
        segments.refresh();
        sys.nmiBlocked = false;
    }

    /** Writes popped flags: IOPL only at CPL 0, IF only when CPL <= IOPL, as POPF and IRET do. */
    void setFlags(long value, int size) {
        long m = 0x3F7FD5L & ~VM & ~0x180000L; // VIF/VIP and VM are not supported
        int iopl = (int) (cpu.rflags >>> 12) & 3;
        if (sys.cpl > 0 && sys.protectedMode()) {
            m &= ~IOPL;
            if (sys.cpl > iopl) {
                m &= ~IF;
            }
        }
        if (size == 2) {
            m &= 0xFFFF;
        }
        cpu.materializeFlags();
        cpu.rflags = (cpu.rflags & ~m) | (value & m) | 2;
    }
}
