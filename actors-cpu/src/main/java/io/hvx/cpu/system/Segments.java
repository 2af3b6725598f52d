package io.hvx.cpu.system;

import static io.hvx.cpu.system.SystemState.ATTR_CODE;
import static io.hvx.cpu.system.SystemState.ATTR_DB;
import static io.hvx.cpu.system.SystemState.ATTR_L;
import static io.hvx.cpu.system.SystemState.ATTR_P;
import static io.hvx.cpu.system.SystemState.ATTR_S;
import static io.hvx.cpu.system.SystemState.ATTR_WRITABLE;
import static io.hvx.cpu.system.SystemState.CS;
import static io.hvx.cpu.system.SystemState.DS;
import static io.hvx.cpu.system.SystemState.ES;
import static io.hvx.cpu.system.SystemState.FS;
import static io.hvx.cpu.system.SystemState.GS;
import static io.hvx.cpu.system.SystemState.SS;

import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.mmu.Mmu;

/** Segment register loads with the descriptor checks Linux relies on, and the mode that follows from CR0, EFER and CS. */
final class Segments {
    private final CpuState cpu;
    private final SystemState sys;
    private final Mmu mmu;

    Segments(CpuState cpu, SystemState sys, Mmu mmu) {
        this.cpu = cpu;
        this.sys = sys;
        this.mmu = mmu;
    }

    static GuestFault gp(int error) {
        return new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, 0, false, error);
    }

    static GuestFault fault(GuestFault.Kind kind, int error) {
        return new GuestFault(kind, 0, false, error);
    }

    /** Reads the 8-byte descriptor a selector names from the GDT or LDT, as a supervisor access. */
    long descriptor(int selector) {
        int index = selector & ~7;
        boolean local = (selector & 4) != 0;
        long tableBase = local ? sys.ldtBase : sys.gdtBase;
        long tableLimit = local ? sys.ldtLimit : sys.gdtLimit;
        if (index + 7 > tableLimit) {
            throw gp(selector & ~3);
        }
        return readSupervisor64(tableBase + index);
    }

    long readSupervisor64(long address) {
        boolean user = mmu.user();
        mmu.privilege(false);
        try {
            return mmu.read64(address);
        } finally {
            mmu.privilege(user);
        }
    }

    void writeSupervisor64(long address, long value) {
        boolean user = mmu.user();
        mmu.privilege(false);
        try {
            mmu.write64(address, value);
        } finally {
            mmu.privilege(user);
        }
    }

    static long base(long d) {
        return ((d >>> 16) & 0xFFFFFF) | ((d >>> 32) & 0xFF000000L);
    }

    static long limit(long d) {
        long l = (d & 0xFFFF) | ((d >>> 32) & 0xF0000);
        return (d & (1L << 55)) != 0 ? (l << 12) | 0xFFF : l;
    }

    static int attrs(long d) {
        return (int) ((d >>> 40) & 0xF0FF);
    }

    static int dpl(int attrs) {
        return (attrs >>> 5) & 3;
    }

    /** Loads a data or stack segment register (MOV, POP, LSS/LFS/LGS), checking as the CPU does. */
    void loadData(int seg, int selector) {
        if (!sys.protectedMode()) {
            setReal(seg, selector);
            return;
        }
        if ((selector & ~3) == 0) {
            if (seg == SS && !(sys.codeMode == Decoder.MODE_64 && sys.cpl != 3 && (selector & 3) == sys.cpl)) {
                throw gp(0);
            }
            sys.selector[seg] = selector;
            sys.attrs[seg] = seg == SS ? (sys.cpl << 5) | ATTR_S | ATTR_WRITABLE | ATTR_P | ATTR_DB : 0;
            if (seg != FS && seg != GS) {
                sys.base[seg] = 0;
            }
            refresh();
            return;
        }
        long d = descriptor(selector);
        int a = attrs(d);
        int rpl = selector & 3;
        if ((a & ATTR_S) == 0) {
            throw gp(selector & ~3);
        }
        if (seg == SS) {
            if ((a & ATTR_CODE) != 0 || (a & ATTR_WRITABLE) == 0 || rpl != sys.cpl || dpl(a) != sys.cpl) {
                throw gp(selector & ~3);
            }
            if ((a & ATTR_P) == 0) {
                throw fault(GuestFault.Kind.STACK_FAULT, selector & ~3);
            }
        } else {
            boolean code = (a & ATTR_CODE) != 0;
            if (code && (a & ATTR_WRITABLE) == 0) {
                throw gp(selector & ~3); // execute-only code is not readable
            }
            boolean conforming = code && (a & 4) != 0;
            if (!conforming && dpl(a) < Math.max(sys.cpl, rpl)) {
                throw gp(selector & ~3);
            }
            if ((a & ATTR_P) == 0) {
                throw fault(GuestFault.Kind.SEGMENT_NOT_PRESENT, selector & ~3);
            }
        }
        sys.selector[seg] = selector;
        sys.attrs[seg] = a;
        sys.limit[seg] = limit(d);
        sys.base[seg] = base(d);
        if (seg == FS) {
            cpu.fsBase = base(d);
        } else if (seg == GS) {
            cpu.gsBase = base(d);
        }
        refresh();
    }

    private void setReal(int seg, int selector) {
        sys.selector[seg] = selector & 0xFFFF;
        sys.base[seg] = (long) (selector & 0xFFFF) << 4;
        if (seg == FS) {
            cpu.fsBase = sys.base[seg];
        } else if (seg == GS) {
            cpu.gsBase = sys.base[seg];
        }
        if (seg == CS) {
            sys.attrs[CS] &= ~(ATTR_L | ATTR_DB);
        }
        refresh();
    }

    /**
     * Loads CS for a far transfer to {@code selector}; {@code newCpl} is the privilege after it (the selector's RPL
     * for returns, the current CPL for jumps and calls).
     */
    void loadCode(int selector, int newCpl) {
        if (!sys.protectedMode()) {
            setReal(CS, selector);
            return;
        }
        if ((selector & ~3) == 0) {
            throw gp(0);
        }
        long d = descriptor(selector);
        int a = attrs(d);
        if ((a & (ATTR_S | ATTR_CODE)) != (ATTR_S | ATTR_CODE)) {
            throw gp(selector & ~3);
        }
        boolean conforming = (a & 4) != 0;
        if (conforming ? dpl(a) > newCpl : dpl(a) != newCpl) {
            throw gp(selector & ~3);
        }
        if ((a & ATTR_P) == 0) {
            throw fault(GuestFault.Kind.SEGMENT_NOT_PRESENT, selector & ~3);
        }
        if (sys.longModeActive() && (a & ATTR_L) != 0 && (a & ATTR_DB) != 0) {
            throw gp(selector & ~3);
        }
        setCode(selector, newCpl, base(d), limit(d), a);
    }

    /** Sets CS from already checked values (SYSCALL, SYSRET, interrupt delivery). */
    void setCode(int selector, int newCpl, long base, long limit, int attrs) {
        sys.selector[CS] = (selector & ~3) | newCpl;
        sys.base[CS] = base;
        sys.limit[CS] = limit;
        sys.attrs[CS] = attrs;
        sys.cpl = newCpl;
        refresh();
    }

    /** Sets SS from already checked values. */
    void setStack(int selector, long base, int attrs) {
        sys.selector[SS] = selector;
        sys.base[SS] = base;
        sys.limit[SS] = 0xFFFFFFFFL;
        sys.attrs[SS] = attrs;
        refresh();
    }

    /** After a return to an outer privilege: data segments the new CPL may not use become null. */
    void dropInaccessibleDataSegments() {
        for (int seg : new int[] {ES, DS, FS, GS}) {
            int a = sys.attrs[seg];
            boolean conformingCode = (a & ATTR_CODE) != 0 && (a & 4) != 0;
            if ((sys.selector[seg] & ~3) != 0 && !conformingCode && dpl(a) < sys.cpl) {
                sys.selector[seg] = 0;
                sys.attrs[seg] = 0;
            }
        }
        refresh();
    }

    /** Recomputes what the interpreter and MMU derive from the segment state: mode, stack width, bases, privilege. */
    void refresh() {
        if (!sys.protectedMode()) {
            sys.cpl = 0;
            sys.codeMode = (sys.attrs[CS] & ATTR_DB) != 0 ? Decoder.MODE_32 : Decoder.MODE_16;
        } else if (sys.longModeActive() && (sys.attrs[CS] & ATTR_L) != 0) {
            sys.codeMode = Decoder.MODE_64;
        } else {
            sys.codeMode = (sys.attrs[CS] & ATTR_DB) != 0 ? Decoder.MODE_32 : Decoder.MODE_16;
        }
        if (sys.codeMode == Decoder.MODE_64) {
            cpu.stackSize = 8;
        } else {
            cpu.stackSize = (sys.attrs[SS] & ATTR_DB) != 0 ? 4 : 2;
        }
        cpu.segBase[Instruction.SEG_CS] = sys.base[CS];
        cpu.segBase[Instruction.SEG_SS] = sys.base[SS];
        cpu.segBase[Instruction.SEG_DS] = sys.base[DS];
        cpu.segBase[Instruction.SEG_ES] = sys.base[ES];
        mmu.privilege(sys.cpl == 3);
    }
}
