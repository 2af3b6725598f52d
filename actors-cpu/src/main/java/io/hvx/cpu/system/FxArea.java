package io.hvx.cpu.system;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * FXSAVE/FXRSTOR's 512-byte area (64-bit layout). The x87 part holds the reset state (FCW 0x37F, empty stack)
 * until the interpreter keeps x87 registers; MXCSR and XMM0-15 are saved and restored.
 */
final class FxArea {
    static final int MXCSR_MASK = 0xFFFF;

    private FxArea() {
    }

    static void save(CpuState cpu, LinearMemory mem, long a) {
        aligned(a);
        // probe the last byte first so that a fault leaves the area untouched
        mem.write8(a + 511, mem.read8(a + 511));
        mem.write64(a, 0x037F); // FCW, FSW 0, abridged FTW 0 (all empty), FOP 0
        mem.write64(a + 8, 0);
        mem.write64(a + 16, 0);
        mem.write32(a + 24, cpu.mxcsr);
        mem.write32(a + 28, MXCSR_MASK);
        for (int k = 0; k < 16; k++) {
            mem.write64(a + 32 + k * 8L, 0);
        }
        for (int x = 0; x < 16; x++) {
            mem.write64(a + 160 + x * 16L, cpu.xmm[x * 2]);
            mem.write64(a + 168 + x * 16L, cpu.xmm[x * 2 + 1]);
        }
    }

    static void restore(CpuState cpu, LinearMemory mem, long a) {
        aligned(a);
        mem.read8(a + 511);
        int mxcsr = mem.read32(a + 24);
        if ((mxcsr & ~MXCSR_MASK) != 0) {
            throw Segments.gp(0);
        }
        // both ends of the aligned area were readable, so no read below can fault halfway
        cpu.mxcsr = mxcsr;
        for (int x = 0; x < 32; x++) {
            cpu.xmm[x] = mem.read64(a + 160 + x * 8L);
        }
    }

    private static void aligned(long a) {
        if ((a & 15) != 0) {
            throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, a, false, 0);
        }
    }
}
