package io.hvx.cpu.bench;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.SoftwareAccelerator;
import io.hvx.cpu.memory.GuestMemory;
import io.hvx.cpu.mmu.PhysicalMemory;
import io.hvx.cpu.system.BootState;
import io.hvx.cpu.system.TscDeadline;
import io.hvx.cpu.system.Tsc;
import io.hvx.cpu.system.Vcpu;
import io.hvx.cpu.system.VcpuExit;
import io.hvx.devices.bus.InterruptSource;
import io.hvx.devices.bus.IoBus;
import java.lang.foreign.Arena;

/**
 * Runs one integer loop with a stack store and load per iteration in user mode (flat process memory) and in system
 * mode (4-level paging through the software TLB, interrupt checks, code cache) and prints MIPS for both. A program,
 * not a test: see docs/benchmarks.md.
 */
public final class SystemModeBenchmark {
    /** A vCPU without an interrupt controller: nothing is ever pending. */
    static final InterruptSource NO_INTERRUPTS = new InterruptSource() {
        @Override
        public boolean hasPendingInterrupt() {
            return false;
        }

        @Override
        public int acknowledgeInterrupt() {
            return -1;
        }

        @Override
        public boolean takeNmi() {
            return false;
        }

        @Override
        public boolean takeInit() {
            return false;
        }

        @Override
        public int takeStartupVector() {
            return -1;
        }
    };

    private SystemModeBenchmark() {
    }

    /** mov ecx,N; xor eax,eax; L: add rax,rcx; mov [rsp-8],rax; add rax,[rsp-8]; dec ecx; jnz L; then the end. */
    private static byte[] loop(int n, int end1, int end2) {
        return new byte[] {(byte) 0xB9, (byte) n, (byte) (n >>> 8), (byte) (n >>> 16), (byte) (n >>> 24),
            0x31, (byte) 0xC0, 0x48, 0x01, (byte) 0xC8, 0x48, (byte) 0x89, 0x44, 0x24, (byte) 0xF8,
            0x48, 0x03, 0x44, 0x24, (byte) 0xF8, (byte) 0xFF, (byte) 0xC9, 0x75, (byte) 0xEF, (byte) end1, (byte) end2};
    }

    // the thread's CPU time: on the shared, loaded machines the wall clock mostly measures the other processes
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000_000;
        for (int round = 0; round < 3; round++) {
            double user = user(n);
            double system = system(n);
            long instructions = 5L * n + 2;
            System.out.printf("round %d: user mode %.3f CPU s (%.1f MIPS), system mode %.3f CPU s (%.1f MIPS), system/user %.2fx%n",
                    round, user, instructions / user / 1e6, system, instructions / system / 1e6, system / user);
        }
    }

    private static double user(int n) {
        try (GuestMemory mem = new GuestMemory()) {
            byte[] code = loop(n, 0x0F, 0x05);
            mem.map(0x400000, 4096, GuestMemory.READ | GuestMemory.EXEC);
            mem.load(0x400000, code, 0, code.length);
            mem.map(0x7FF000, 4096, GuestMemory.READ | GuestMemory.WRITE);
            CpuState cpu = new CpuState();
            cpu.rip = 0x400000;
            cpu.regs[CpuState.RSP] = 0x800000;
            SoftwareAccelerator acc = new SoftwareAccelerator(cpu, mem);
            long t0 = THREADS.getCurrentThreadCpuTime();
            acc.run(Long.MAX_VALUE);
            return (THREADS.getCurrentThreadCpuTime() - t0) / 1e9;
        }
    }

    private static double system(int n) {
        try (Arena arena = Arena.ofShared()) {
            PhysicalMemory phys = new PhysicalMemory(arena.allocate(8 << 20, 4096), new IoBus());
            phys.load(0x100000, loop(n, 0xFA, 0xF4));
            BootState boot = BootState.linux64(phys, 0x10000, 0x100000, 0);
            boot = BootState.longMode(boot.rip(), 0x300000, 0, boot.cr3(), boot.gdtBase(), boot.gdtLimit());
            Vcpu vcpu = new Vcpu(phys, NO_INTERRUPTS, TscDeadline.NONE, new Tsc(System.nanoTime()), 0, 1, boot);
            long t0 = THREADS.getCurrentThreadCpuTime();
            VcpuExit exit = vcpu.run();
            double s = (THREADS.getCurrentThreadCpuTime() - t0) / 1e9;
            if (!(exit instanceof VcpuExit.Halted)) {
                throw new IllegalStateException("system-mode loop ended with " + exit);
            }
            return s;
        }
    }
}
