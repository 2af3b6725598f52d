package io.hvx.cpu.linux;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.SoftwareAccelerator;
import io.hvx.cpu.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;

/** The address space and CPU of one program in a guest process: replaced by execve, copied by fork. */
final class Image implements AutoCloseable {
    static final long PIE_BASE = 0x555555554000L;
    static final long STACK_TOP = 0x7FFFFFFFF000L;
    /** The stack's limit (RLIMIT_STACK); only {@link #STACK_INITIAL} is mapped at start, the rest on first touch. */
    static final long STACK_SIZE = 8L << 20;
    static final long STACK_INITIAL = 128L << 10;
    static final long MMAP_TOP = 0x7F0000000000L;

    final GuestMemory memory;
    final CpuState cpu;
    final SoftwareAccelerator accelerator;
    /** The executable's path, what /proc/self/exe names. */
    final Path exe;
    long brkStart;
    long brk;
    long mmapNext = MMAP_TOP;
    /** Lowest mapped stack address; the stack grows down to STACK_TOP - STACK_SIZE as Linux grows it. */
    long stackLow = STACK_TOP - STACK_INITIAL;

    private Image(GuestMemory memory, CpuState cpu, Path exe) {
        this.memory = memory;
        this.cpu = cpu;
        this.exe = exe;
        this.accelerator = new SoftwareAccelerator(cpu, memory);
    }

    /** Loads a static ELF and builds the initial stack with argv, envp and auxv. */
    static Image load(Path exe, ElfImage elf, List<String> argv, List<String> envp) {
        Image img = new Image(new GuestMemory(), new CpuState(), exe);
        GuestMemory memory = img.memory;
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
        img.brkStart = (end + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        img.brk = img.brkStart;
        long strings = 4096;
        for (String a : argv) {
            strings += a.length() * 3L + 9;
        }
        for (String e : envp) {
            strings += e.length() * 3L + 9;
        }
        long initial = Math.min(STACK_SIZE, Math.max(STACK_INITIAL, (strings + STACK_INITIAL) & -GuestMemory.PAGE_SIZE));
        img.stackLow = STACK_TOP - initial;
        memory.map(img.stackLow, initial, GuestMemory.READ | GuestMemory.WRITE);
        long phdr = base + firstVaddr - firstOffset + elf.phoff();
        img.cpu.regs[CpuState.RSP] = img.buildStack(argv, envp, phdr, elf.phnum(), base + elf.entry());
        img.cpu.rip = base + elf.entry();
        return img;
    }

    /** A copy for a forked child: same bytes, registers and layout, its own memory. */
    Image fork() {
        Image child = new Image(memory.copy(), new CpuState(), exe);
        CpuStates.copy(cpu, child.cpu);
        child.brkStart = brkStart;
        child.brk = brk;
        child.mmapNext = mmapNext;
        child.stackLow = stackLow;
        return child;
    }

    /** Maps stack pages down to the address when it lies in the stack's reserve; false when it does not. */
    boolean growStack(long address) {
        if (address >= stackLow || address < STACK_TOP - STACK_SIZE) {
            return false;
        }
        long low = address & -GuestMemory.PAGE_SIZE;
        for (long a = low; a < stackLow; a += GuestMemory.PAGE_SIZE) {
            if (memory.isMapped(a)) {
                return false; // something else was mapped there: no growth over it
            }
        }
        memory.map(low, stackLow - low, GuestMemory.READ | GuestMemory.WRITE);
        stackLow = low;
        return true;
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
        sp = pushString(sp, exe.toString());
        long execfn = sp;
        sp = pushString(sp, "x86_64");
        long platform = sp;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        sp -= 16;
        memory.load(sp, random, 0, 16);
        long randomAt = sp;
        long[] auxv = {
            3, phdr, 4, 56, 5, phnum, 6, GuestMemory.PAGE_SIZE, 7, 0, 8, 0, 9, entry, 11, 0, 12, 0, 13, 0, 14, 0,
            15, platform, 16, HWCAP, 17, 100, 23, 0, 25, randomAt, 26, 0, 31, execfn, 0, 0};
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

    private static final long HWCAP = hwcap();

    private static long hwcap() {
        // AT_HWCAP is CPUID.1:EDX on x86; report the same bits CPUID does
        CpuState probe = new CpuState();
        probe.regs[CpuState.RAX] = 1;
        io.hvx.cpu.decode.Instruction i = new io.hvx.cpu.decode.Instruction();
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

    @Override
    public void close() {
        memory.close();
    }
}
