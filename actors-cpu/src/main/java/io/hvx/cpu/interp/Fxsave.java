package io.hvx.cpu.interp;

import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * The 512-byte FXSAVE image of the x87, MMX and SSE state (FXSAVE/FXRSTOR, and the fpstate of a Linux
 * signal frame). Instruction and operand pointers are stored as zero.
 */
public final class Fxsave {
    /** Size of the image in bytes. */
    public static final int BYTES = 512;
    /** The MXCSR bits this CPU implements (DAZ included); others raise #GP when loaded. */
    public static final int MXCSR_MASK = 0xFFFF;

    private Fxsave() {
    }

    /** Writes the image at {@code a} (16-byte aligned; the caller checks alignment). */
    public static void save(CpuState cpu, LinearMemory mem, long a) {
        mem.read8(a + BYTES - 1); // fault before any byte is written
        mem.write16(a, cpu.fcw);
        mem.write16(a + 2, (cpu.fsw & ~0x3800) | (cpu.fpTop << 11));
        mem.write8(a + 4, cpu.fpTags);
        mem.write8(a + 5, 0);
        mem.write16(a + 6, 0);
        mem.write64(a + 8, 0);
        mem.write64(a + 16, 0);
        mem.write32(a + 24, cpu.mxcsr);
        mem.write32(a + 28, MXCSR_MASK);
        for (int k = 0; k < 8; k++) {
            int p = (cpu.fpTop + k) & 7;
            long at = a + 32 + k * 16L;
            mem.write64(at, cpu.fpMant[p]);
            mem.write16(at + 8, cpu.fpExp[p]);
            mem.write16(at + 10, 0);
            mem.write32(at + 12, 0);
        }
        for (int k = 0; k < 32; k++) {
            mem.write64(a + 160 + k * 8L, cpu.xmm[k]);
        }
    }

    /**
     * Loads the image at {@code a}. Returns false, changing nothing, when its MXCSR sets reserved bits (the
     * instruction then raises #GP; a signal return fails).
     */
    public static boolean restore(CpuState cpu, LinearMemory mem, long a) {
        mem.read8(a + BYTES - 1);
        int mxcsr = mem.read32(a + 24);
        if ((mxcsr & ~MXCSR_MASK) != 0) {
            return false;
        }
        cpu.fcw = mem.read16(a);
        int sw = mem.read16(a + 2);
        cpu.fsw = sw & ~0x3800;
        cpu.fpTop = (sw >>> 11) & 7;
        cpu.fpTags = mem.read8(a + 4);
        cpu.mxcsr = mxcsr;
        for (int k = 0; k < 8; k++) {
            int p = (cpu.fpTop + k) & 7;
            long at = a + 32 + k * 16L;
            cpu.fpMant[p] = mem.read64(at);
            cpu.fpExp[p] = mem.read16(at + 8);
        }
        for (int k = 0; k < 32; k++) {
            cpu.xmm[k] = mem.read64(a + 160 + k * 8L);
        }
        return true;
    }

    static GuestFault misaligned(long rip) {
        return new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, rip, false);
    }
}
