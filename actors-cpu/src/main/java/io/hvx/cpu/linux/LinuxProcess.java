package io.hvx.cpu.linux;

import io.hvx.cpu.Accelerator;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.SoftwareAccelerator;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;

/** One static Linux x86-64 program in hvx's software CPU: ELF loading, the initial stack, the syscall loop. */
public final class LinuxProcess implements AutoCloseable {
    static final long PIE_BASE = 0x555555554000L;
    static final long STACK_TOP = 0x7FFFFFFFF000L;
    static final long STACK_SIZE = 8L << 20;
    static final long MMAP_TOP = 0x7F0000000000L;

    final GuestMemory memory = new GuestMemory();
    final CpuState cpu = new CpuState();
    final SoftwareAccelerator accelerator = new SoftwareAccelerator(cpu, memory);
    final Syscalls syscalls;
    private final PrintStream diagnostics;
    long brkStart;
    long brk;
    long mmapNext = MMAP_TOP;

    public LinuxProcess(ElfImage elf, List<String> argv, List<String> envp, Stdio stdio, PrintStream diagnostics) {
        this.diagnostics = diagnostics;
        this.syscalls = new Syscalls(this, stdio, diagnostics);
        long base = elf.positionIndependent() ? PIE_BASE : 0;
        long end = 0;
        long firstVaddr = Long.MAX_VALUE;
        long firstOffset = 0;
        for (ElfImage.Segment s : elf.segments()) {
            long start = base + s.vaddr();
            memory.map(start, s.memSize(), GuestMemory.READ | GuestMemory.WRITE);
            memory.load(start, elf.bytes(), (int) s.offset(), (int) s.fileSize());
            end = Math.max(end, start + s.memSize());
            if (s.vaddr() < firstVaddr) {
                firstVaddr = s.vaddr();
                firstOffset = s.offset();
            }
        }
        for (ElfImage.Segment s : elf.segments()) {
            int p = ((s.flags() & 4) != 0 ? GuestMemory.READ : 0) | ((s.flags() & 2) != 0 ? GuestMemory.WRITE : 0)
                    | ((s.flags() & 1) != 0 ? GuestMemory.EXEC : 0);
            long start = (base + s.vaddr()) & -GuestMemory.PAGE_SIZE;
            // pages shared by two segments keep the union of their permissions
            for (long a = start; a < base + s.vaddr() + s.memSize(); a += GuestMemory.PAGE_SIZE) {
                int old = memory.permissions(a);
                memory.protect(a, 1, (old == (GuestMemory.READ | GuestMemory.WRITE) ? 0 : old) | p);
            }
        }
        brkStart = (end + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        brk = brkStart;
        memory.map(STACK_TOP - STACK_SIZE, STACK_SIZE, GuestMemory.READ | GuestMemory.WRITE);
        long phdr = base + firstVaddr - firstOffset + elf.phoff();
        cpu.regs[CpuState.RSP] = buildStack(argv, envp, phdr, elf.phnum(), base + elf.entry());
        cpu.rip = base + elf.entry();
    }

    private long buildStack(List<String> argv, List<String> envp, long phdr, int phnum, long entry) {
        long sp = STACK_TOP;
        long[] argvPtrs = new long[argv.size()];
        long[] envPtrs = new long[envp.size()];
        for (int k = envp.size() - 1; k >= 0; k--) {
            sp = pushString(sp, envp.get(k));
            envPtrs[k] = sp;
        }
        for (int k = argv.size() - 1; k >= 0; k--) {
            sp = pushString(sp, argv.get(k));
            argvPtrs[k] = sp;
        }
        long execfn = argvPtrs.length > 0 ? argvPtrs[0] : 0;
        sp = pushString(sp, "x86_64");
        long platform = sp;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        sp -= 16;
        memory.load(sp, random, 0, 16);
        long randomAt = sp;
        long[] auxv = {
            3, phdr, 4, 56, 5, phnum, 6, GuestMemory.PAGE_SIZE, 7, 0, 8, 0, 9, entry, 11, 0, 12, 0, 13, 0, 14, 0,
            15, platform, 16, hwcap(), 17, 100, 23, 0, 25, randomAt, 26, 0, 31, execfn, 0, 0};
        int words = 1 + argvPtrs.length + 1 + envPtrs.length + 1 + auxv.length;
        sp = (sp - words * 8L) & -16L;
        long at = sp;
        memory.write64(at, argvPtrs.length);
        at += 8;
        for (long p : argvPtrs) {
            memory.write64(at, p);
            at += 8;
        }
        memory.write64(at, 0);
        at += 8;
        for (long p : envPtrs) {
            memory.write64(at, p);
            at += 8;
        }
        memory.write64(at, 0);
        at += 8;
        for (long v : auxv) {
            memory.write64(at, v);
            at += 8;
        }
        return sp;
    }

    private static long hwcap() {
        // AT_HWCAP is CPUID.1:EDX on x86; report the same bits CPUID does
        CpuState probe = new CpuState();
        probe.regs[CpuState.RAX] = 1;
        io.hvx.cpu.decode.Instruction i = new io.hvx.cpu.decode.Instruction();
        // decode and run a CPUID from a two-byte source
        io.hvx.cpu.decode.Decoder.decode(a -> a == 0 ? 0x0F : 0xA2, 0, i);
        try (GuestMemory none = new GuestMemory()) {
            new io.hvx.cpu.interp.Interpreter(probe, none).execute(i);
        }
        return probe.regs[CpuState.RDX];
    }

    private long pushString(long sp, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        sp -= b.length + 1;
        memory.load(sp, b, 0, b.length);
        memory.load(sp + b.length, new byte[1], 0, 1);
        return sp;
    }

    /** Runs the program to its exit; returns the exit status (128 + signal when a fault kills it). */
    public int run() {
        while (true) {
            Accelerator.Exit exit = accelerator.run(1L << 40);
            switch (exit) {
                case SYSCALL -> {
                    int status = syscalls.dispatch();
                    if (status >= 0) {
                        syscalls.flush();
                        return status;
                    }
                }
                case FAULT -> {
                    syscalls.flush();
                    GuestFault f = accelerator.fault();
                    int signal = switch (f.kind()) {
                        case UNDEFINED_OPCODE -> 4; // SIGILL
                        case DIVIDE_ERROR -> 8; // SIGFPE
                        case BREAKPOINT -> 5; // SIGTRAP
                        default -> 11; // SIGSEGV
                    };
                    diagnostics.printf("hvx: guest killed by signal %d (%s at rip 0x%x)%n", signal, f.getMessage(),
                            cpu.rip);
                    return 128 + signal;
                }
                default -> { }
            }
        }
    }

    /** Instructions the guest has completed. */
    public long instructions() {
        return accelerator.retired();
    }

    @Override
    public void close() {
        memory.close();
    }
}
