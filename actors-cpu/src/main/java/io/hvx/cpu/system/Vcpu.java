package io.hvx.cpu.system;

import static io.hvx.cpu.interp.CpuState.IF;
import static io.hvx.cpu.interp.CpuState.RSI;
import static io.hvx.cpu.interp.CpuState.RSP;
import static io.hvx.cpu.system.SystemState.CS;
import static io.hvx.cpu.system.SystemState.DS;
import static io.hvx.cpu.system.SystemState.ES;
import static io.hvx.cpu.system.SystemState.FS;
import static io.hvx.cpu.system.SystemState.GS;
import static io.hvx.cpu.system.SystemState.SS;

import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.ExecStatus;
import io.hvx.cpu.interp.Interpreter;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.mmu.LockedRetry;
import io.hvx.cpu.mmu.Mmu;
import io.hvx.cpu.mmu.PhysicalMemory;
import io.hvx.devices.bus.InterruptSource;
import java.util.concurrent.locks.LockSupport;

/**
 * One virtual CPU in system mode and its run loop, meant to own one thread: instructions execute on that thread,
 * devices are called directly through the bus, and interrupts are taken from the local APIC at instruction
 * boundaries. HLT parks the thread until an interrupt is pending (or {@link #wake()} is called).
 */
public final class Vcpu {
    /** The longest a halted vCPU sleeps before it looks at its interrupt source again. */
    private static final long HALT_POLL_NANOS = 1_000_000;

    private final CpuState cpu = new CpuState();
    private final SystemState sys = new SystemState();
    private final PhysicalMemory phys;
    private final Mmu mmu;
    private final Interpreter interpreter;
    private final Segments segments;
    private final Delivery delivery;
    private final SystemInstructions system;
    private final InterruptSource interrupts;
    private final CodeFetch code;
    private final Instruction insn = new Instruction();
    private final CodeCache cache;
    private volatile boolean stopRequested;
    private volatile Thread runner;
    private boolean halted;
    private boolean waitingForSipi;
    private long retired;
    private int polls;

    /**
     * @param interrupts this vCPU's local APIC as the CPU sees it
     * @param deadline where IA32_TSC_DEADLINE writes go
     * @param tsc this vCPU's time-stamp counter (vCPUs of a VM share an origin)
     */
    public Vcpu(PhysicalMemory phys, InterruptSource interrupts, TscDeadline deadline, Tsc tsc, int apicId, int vcpus,
            BootState boot) {
        this.phys = phys;
        this.mmu = new Mmu(phys);
        this.interpreter = new Interpreter(cpu, mmu);
        this.segments = new Segments(cpu, sys, mmu);
        this.delivery = new Delivery(cpu, sys, mmu, segments, interpreter);
        Msrs msrs = new Msrs(cpu, sys, mmu, segments, tsc, deadline, apicId == 0);
        this.system = new SystemInstructions(cpu, sys, mmu, interpreter, segments, delivery, msrs, tsc, phys.bus(),
                apicId, vcpus);
        this.interpreter.privileged(system);
        this.interrupts = interrupts;
        this.code = new CodeFetch(mmu);
        this.cache = new CodeCache(phys.ram());
        enter(boot);
    }

    private void enter(BootState boot) {
        switch (boot.start()) {
            case WAIT_FOR_SIPI -> waitingForSipi = true;
            case REAL_MODE -> startReal(boot.codeSelector(), boot.rip());
            case LONG_MODE -> {
                sys.cr0 = SystemState.CR0_PE | SystemState.CR0_PG | SystemState.CR0_ET | SystemState.CR0_NE;
                sys.cr4 = SystemState.CR4_PAE;
                sys.efer = SystemState.EFER_LME | SystemState.EFER_LMA;
                sys.cr3 = boot.cr3();
                sys.gdtBase = boot.gdtBase();
                sys.gdtLimit = boot.gdtLimit();
                system.configureMmu();
                segments.loadCode(boot.codeSelector(), 0);
                for (int seg : new int[] {DS, ES, SS, FS, GS}) {
                    segments.loadData(seg, boot.dataSelector());
                }
                cpu.rip = boot.rip();
                cpu.regs[RSP] = boot.rsp();
                cpu.regs[RSI] = boot.rsi();
                cpu.materializeFlags();
                cpu.rflags = 2;
            }
        }
    }

    private void startReal(int cs, long ip) {
        sys.cr0 = SystemState.CR0_ET | SystemState.CR0_CD | SystemState.CR0_NW;
        sys.cr4 = 0;
        sys.efer = 0;
        sys.idtBase = 0;
        sys.idtLimit = 0x3FF;
        system.configureMmu();
        for (int seg = ES; seg <= GS; seg++) {
            sys.attrs[seg] = seg == CS ? 0x9B : 0x93;
            sys.limit[seg] = 0xFFFF;
            segments.loadData(seg, 0);
        }
        segments.loadCode(cs, 0);
        cpu.rip = ip;
        cpu.materializeFlags();
        cpu.rflags = 2;
        waitingForSipi = false;
        halted = false;
    }

    public CpuState cpu() {
        return cpu;
    }

    public SystemState system() {
        return sys;
    }

    public Mmu mmu() {
        return mmu;
    }

    /** Instructions completed since creation. */
    public long retired() {
        return retired;
    }

    /** Asks the run loop to return {@link VcpuExit.Stopped} at the next instruction boundary; any thread. */
    public void stop() {
        stopRequested = true;
        wake();
    }

    /** Wakes a halted or waiting vCPU so it looks at its interrupt source now; devices call it from any thread. */
    public void wake() {
        Thread t = runner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Runs until {@link #stop()} or a shutdown event. */
    public VcpuExit run() {
        return run(Long.MAX_VALUE);
    }

    /** Runs at most about {@code maxInstructions} instructions (halted time does not count). */
    public VcpuExit run(long maxInstructions) {
        runner = Thread.currentThread();
        try {
            return loop(maxInstructions);
        } catch (TripleFaultException e) {
            return new VcpuExit.TripleFault(e.getMessage(), cpu.rip);
        } catch (UnsupportedOperationException e) {
            return new VcpuExit.Unsupported(e.getMessage(), cpu.rip);
        } finally {
            runner = null;
        }
    }

    private VcpuExit loop(long maxInstructions) {
        long budget = maxInstructions;
        while (budget > 0) {
            if (stopRequested) {
                stopRequested = false;
                return new VcpuExit.Stopped();
            }
            // INIT and NMI are rare: the source is asked every 64 blocks (its take* calls may be atomic updates)
            boolean rareEvents = (++polls & 63) == 0 || halted || waitingForSipi;
            if (rareEvents && interrupts.takeInit()) {
                waitingForSipi = true;
                halted = false;
            }
            if (waitingForSipi) {
                int vector = interrupts.takeStartupVector();
                if (vector < 0) {
                    interrupts.awaitEvent(false, HALT_POLL_NANOS);
                    continue;
                }
                startReal(vector << 8, 0);
            }
            boolean inhibit = sys.interruptShadow;
            sys.interruptShadow = false;
            if (!inhibit) {
                if (rareEvents && !sys.nmiBlocked && interrupts.takeNmi()) {
                    halted = false;
                    sys.nmiBlocked = true;
                    delivery.external(2);
                } else if ((cpu.rflags & IF) != 0 && interrupts.hasPendingInterrupt()) {
                    int vector = interrupts.acknowledgeInterrupt();
                    if (vector >= 0) {
                        halted = false;
                        delivery.external(vector);
                    }
                }
            }
            if (halted) {
                if ((cpu.rflags & IF) == 0) {
                    halted = false;
                    return new VcpuExit.Halted(cpu.rip);
                }
                interrupts.awaitEvent(true, HALT_POLL_NANOS);
                continue;
            }
            int[] ran = this.ran;
            ran[0] = 0;
            if (runBlock(ran) == ExecStatus.HALT) {
                halted = true;
            }
            budget -= Math.max(1, ran[0]);
        }
        return new VcpuExit.Budget();
    }

    private final int[] ran = new int[1];

    /** Blocks decoded since creation (misses of the code cache). */
    public long blocksBuilt() {
        return cache.builds();
    }

    /** Runs the cached block at RIP (decoding it first if needed); {@code ran[0]} counts completed instructions. */
    private int runBlock(int[] ran) {
        long rip = cpu.rip;
        int mode = sys.codeMode;
        CodeCache.Block block;
        try {
            code.base = mode == Decoder.MODE_64 ? 0 : sys.base[CS];
            code.wrap32 = mode != Decoder.MODE_64;
            long linear = code.wrap32 ? (code.base + rip) & 0xFFFFFFFFL : rip;
            long pa = mmu.translateFetch(linear);
            if (pa >= phys.ramSize()) {
                ran[0] = 1;
                return step();
            }
            block = cache.lookup(rip, pa, mode);
            if (block == null) {
                block = cache.build(code, rip, pa, mode);
                if (block == null) {
                    ran[0] = 1;
                    return step();
                }
            }
        } catch (GuestFault f) {
            delivery.raise(f);
            return ExecStatus.CONTINUE;
        }
        Instruction[] insns = block.insns;
        int n = block.count;
        long[] r = cpu.regs;
        for (int k = 0; k < n; k++) {
            Instruction i = insns[k];
            long rsp = r[RSP];
            long rflags = cpu.rflags;
            int flagOp = cpu.flagOp;
            long flagA = cpu.flagA;
            long flagB = cpu.flagB;
            long flagRes = cpu.flagRes;
            int status;
            try {
                if ((i.prefixes & Instruction.P_LOCK) != 0 || (i.op == Op.XCHG && i.mod != 3)) {
                    status = executeLocked(i);
                } else {
                    status = interpreter.execute(i);
                }
            } catch (GuestFault f) {
                cpu.rip = i.address;
                r[RSP] = rsp;
                cpu.rflags = rflags; // with the pending flags below: the state before the instruction
                cpu.flagOp = flagOp;
                cpu.flagA = flagA;
                cpu.flagB = flagB;
                cpu.flagRes = flagRes;
                retired += k;
                ran[0] = k;
                delivery.raise(f);
                return ExecStatus.CONTINUE;
            }
            if (status != ExecStatus.CONTINUE || cpu.rip != i.address + i.length) {
                retired += k + 1;
                ran[0] = k + 1;
                return status;
            }
        }
        retired += n;
        ran[0] = n;
        return ExecStatus.CONTINUE;
    }

    /**
     * A locked read-modify-write: its write is a compare-and-set against the value it read (see {@link
     * Mmu#beginLocked()}), retried when another vCPU's store came between; locked instructions of all vCPUs also
     * exclude each other, which covers the forms a single compare-and-set cannot (CMPXCHG16B, split operands).
     */
    private int executeLocked(Instruction i) {
        long rsp = cpu.regs[RSP];
        long rflags = cpu.flags(); // materialised, so that restoring rflags restores the status flags
        synchronized (phys) {
            mmu.beginLocked();
            try {
                while (true) {
                    try {
                        return interpreter.execute(i);
                    } catch (LockedRetry retry) {
                        cpu.regs[RSP] = rsp;
                        cpu.rflags = rflags;
                        cpu.flagOp = 0;
                    }
                }
            } finally {
                mmu.endLocked();
            }
        }
    }

    /** Executes one instruction; a fault rolls back RIP, RSP and RFLAGS and is delivered to the guest. */
    private int step() {
        long rip = cpu.rip;
        long rsp = cpu.regs[RSP];
        long rflags = cpu.flags();
        try {
            code.base = sys.codeMode == Decoder.MODE_64 ? 0 : sys.base[CS];
            code.wrap32 = sys.codeMode != Decoder.MODE_64;
            Decoder.decode(code, rip, insn, sys.codeMode);
            int status;
            if ((insn.prefixes & Instruction.P_LOCK) != 0 || (insn.op == Op.XCHG && insn.mod != 3)) {
                status = executeLocked(insn);
            } else {
                status = interpreter.execute(insn);
            }
            retired++;
            return status;
        } catch (GuestFault f) {
            cpu.rip = rip;
            cpu.regs[RSP] = rsp;
            cpu.rflags = rflags;
            cpu.flagOp = 0;
            delivery.raise(f);
            return ExecStatus.CONTINUE;
        }
    }
}
