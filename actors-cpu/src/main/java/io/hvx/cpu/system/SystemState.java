package io.hvx.cpu.system;

import io.hvx.cpu.decode.Decoder;

/**
 * The system half of one vCPU's architectural state: control registers, EFER, segment registers with their
 * descriptor caches, descriptor-table registers, debug registers and the interrupt-related latches.
 *
 * <p>Segment registers are indexed in the x86 encoding order: ES, CS, SS, DS, FS, GS. Attributes keep bits 8..15
 * and 20..23 of a descriptor's high dword as bits 0..7 and 12..15 (type, S, DPL, P, AVL, L, D/B, G).
 */
public final class SystemState {
    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    public static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 1L << 16, CR0_AM = 1L << 18, CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    public static final long CR4_TSD = 1 << 2, CR4_DE = 1 << 3, CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_PGE = 1 << 7,
            CR4_PCE = 1 << 8, CR4_OSFXSR = 1 << 9, CR4_OSXMMEXCPT = 1 << 10;
    /** The CR4 bits this CPU implements; setting any other is #GP. */
    public static final long CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR
            | CR4_OSXMMEXCPT;
    public static final long EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;
    /** Attribute bits. */
    public static final int ATTR_ACCESSED = 1, ATTR_WRITABLE = 2, ATTR_CODE = 8, ATTR_S = 0x10, ATTR_P = 0x80,
            ATTR_L = 0x2000, ATTR_DB = 0x4000, ATTR_G = 0x8000;

    public long cr0 = CR0_ET | CR0_CD | CR0_NW;
    public long cr2;
    public long cr3;
    public long cr4;
    public long cr8;
    public long efer;
    public final long[] dr = {0, 0, 0, 0, 0, 0, 0xFFFF0FF0L, 0x400};

    public final int[] selector = new int[6];
    public final long[] base = new long[6];
    public final long[] limit = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
    public final int[] attrs = {0x93, 0x9B, 0x93, 0x93, 0x93, 0x93};

    public long gdtBase;
    public int gdtLimit = 0xFFFF;
    public long idtBase;
    public int idtLimit = 0x3FF;
    public int ldtSelector;
    public long ldtBase;
    public long ldtLimit;
    public int trSelector;
    public long trBase;
    public long trLimit = 0xFFFF;
    public int trAttrs = 0x8B;

    /** Current privilege level. */
    public int cpl;
    /** Decoder mode of the code segment ({@code Decoder.MODE_*}). */
    public int codeMode = Decoder.MODE_16;
    /** Interrupts are inhibited for one instruction after STI or a load of SS. */
    public boolean interruptShadow;
    /** NMIs are blocked from NMI delivery until the next IRET. */
    public boolean nmiBlocked;

    public boolean longModeActive() {
        return (efer & EFER_LMA) != 0;
    }

    public boolean protectedMode() {
        return (cr0 & CR0_PE) != 0;
    }
}
