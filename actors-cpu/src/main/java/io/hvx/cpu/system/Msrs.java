package io.hvx.cpu.system;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.mmu.Mmu;

/** The model-specific registers Linux touches; any other index is #GP(0), which Linux's *_safe accessors expect. */
final class Msrs {
    static final int TSC = 0x10, PLATFORM_ID = 0x17, APIC_BASE = 0x1B, FEATURE_CONTROL = 0x3A, TSC_ADJUST = 0x3B, BIOS_SIGN_ID = 0x8B,
            MTRR_CAP = 0xFE, ARCH_CAPABILITIES = 0x10A, SYSENTER_CS = 0x174, SYSENTER_ESP = 0x175,
            SYSENTER_EIP = 0x176, MISC_ENABLE = 0x1A0, PAT = 0x277, MTRR_DEF_TYPE = 0x2FF, TSC_DEADLINE = 0x6E0;
    static final int EFER = 0xC0000080, STAR = 0xC0000081, LSTAR = 0xC0000082, CSTAR = 0xC0000083,
            FMASK = 0xC0000084, FS_BASE = 0xC0000100, GS_BASE = 0xC0000101, KERNEL_GS_BASE = 0xC0000102,
            TSC_AUX = 0xC0000103;
    /** RDCL_NO, SSB_NO, MDS_NO, PSCHANGE_MC_NO, TAA_NO: an interpreter does not speculate. */
    static final long ARCH_CAPABILITIES_VALUE = 1 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 8;
    static final long MISC_ENABLE_FAST_STRINGS = 1;

    private final CpuState cpu;
    private final SystemState sys;
    private final Mmu mmu;
    private final Segments segments;
    private final Tsc tsc;
    private final TscDeadline deadline;
    long star;
    long lstar;
    long cstar;
    long fmask;
    long kernelGsBase;
    long tscAux;
    long apicBase;
    long pat = 0x0007040600070406L;
    long miscEnable = MISC_ENABLE_FAST_STRINGS;
    long mtrrDefType = 0xC06; // enabled, fixed ranges enabled, default type write-back
    final long[] mtrrVariable = new long[16];
    final long[] mtrrFixed = new long[11];
    long sysenterCs;
    long sysenterEsp;
    long sysenterEip;
    long tscDeadline;
    long tscAdjust;

    Msrs(CpuState cpu, SystemState sys, Mmu mmu, Segments segments, Tsc tsc, TscDeadline deadline, boolean bsp) {
        this.cpu = cpu;
        this.sys = sys;
        this.mmu = mmu;
        this.segments = segments;
        this.tsc = tsc;
        this.deadline = deadline;
        this.apicBase = 0xFEE00000L | 1 << 11 | (bsp ? 1 << 8 : 0);
        java.util.Arrays.fill(mtrrFixed, 0x0606060606060606L);
    }

    long read(int index) {
        return switch (index) {
            case TSC -> tsc.read();
            case PLATFORM_ID, BIOS_SIGN_ID -> 0;
            case APIC_BASE -> apicBase;
            case FEATURE_CONTROL -> 1; // locked, VMX off
            case TSC_ADJUST -> tscAdjust;
            case MTRR_CAP -> 0x508; // 8 variable ranges, fixed ranges, write-combining
            case ARCH_CAPABILITIES -> ARCH_CAPABILITIES_VALUE;
            case SYSENTER_CS -> sysenterCs;
            case SYSENTER_ESP -> sysenterEsp;
            case SYSENTER_EIP -> sysenterEip;
            case MISC_ENABLE -> miscEnable;
            case PAT -> pat;
            case MTRR_DEF_TYPE -> mtrrDefType;
            case TSC_DEADLINE -> tscDeadline;
            case EFER -> sys.efer;
            case STAR -> star;
            case LSTAR -> lstar;
            case CSTAR -> cstar;
            case FMASK -> fmask;
            case FS_BASE -> cpu.fsBase;
            case GS_BASE -> cpu.gsBase;
            case KERNEL_GS_BASE -> kernelGsBase;
            case TSC_AUX -> tscAux;
            default -> {
                int fixed = fixedMtrr(index);
                if (fixed >= 0) {
                    yield mtrrFixed[fixed];
                }
                if (index >= 0x200 && index < 0x210) {
                    yield mtrrVariable[index - 0x200];
                }
                throw Segments.gp(0);
            }
        };
    }

    void write(int index, long value) {
        switch (index) {
            case TSC -> {
                tscAdjust += value - tsc.read(); // the SDM: a TSC write moves IA32_TSC_ADJUST by the same amount
                tsc.write(value);
            }
            case TSC_ADJUST -> {
                tsc.write(tsc.read() + value - tscAdjust);
                tscAdjust = value;
            }
            case BIOS_SIGN_ID -> { } // the microcode revision query writes 0 first
            case APIC_BASE -> apicBase = (apicBase & ~(1L << 11 | 0xFFFFF000L)) | (value & (1L << 11 | 0xFFFFF000L));
            case SYSENTER_CS -> sysenterCs = value;
            case SYSENTER_ESP -> sysenterEsp = canonical(value);
            case SYSENTER_EIP -> sysenterEip = canonical(value);
            case MISC_ENABLE -> miscEnable = value;
            case PAT -> {
                for (int b = 0; b < 8; b++) {
                    int t = (int) (value >>> (8 * b)) & 0xFF;
                    if (t == 2 || t == 3 || t > 7) {
                        throw Segments.gp(0);
                    }
                }
                pat = value;
            }
            case MTRR_DEF_TYPE -> mtrrDefType = value & 0xCFF;
            case TSC_DEADLINE -> {
                tscDeadline = value;
                deadline.arm(value, value == 0 ? 0 : tsc.nanoTimeAt(value));
            }
            case EFER -> writeEfer(value);
            case STAR -> star = value;
            case LSTAR -> lstar = canonical(value);
            case CSTAR -> cstar = canonical(value);
            case FMASK -> fmask = value & 0xFFFFFFFFL;
            case FS_BASE -> cpu.fsBase = canonical(value);
            case GS_BASE -> cpu.gsBase = canonical(value);
            case KERNEL_GS_BASE -> kernelGsBase = canonical(value);
            case TSC_AUX -> tscAux = value & 0xFFFFFFFFL;
            default -> {
                int fixed = fixedMtrr(index);
                if (fixed >= 0) {
                    mtrrFixed[fixed] = value;
                } else if (index >= 0x200 && index < 0x210) {
                    mtrrVariable[index - 0x200] = value;
                } else {
                    throw Segments.gp(0);
                }
            }
        }
    }

    private void writeEfer(long value) {
        long writable = SystemState.EFER_SCE | SystemState.EFER_LME | SystemState.EFER_NXE;
        if ((value & ~(writable | SystemState.EFER_LMA)) != 0) {
            throw Segments.gp(0);
        }
        if ((sys.cr0 & SystemState.CR0_PG) != 0 && ((value ^ sys.efer) & SystemState.EFER_LME) != 0) {
            throw Segments.gp(0); // LME may change only while paging is off
        }
        sys.efer = (sys.efer & SystemState.EFER_LMA) | (value & writable);
        mmu.configure((sys.cr0 & SystemState.CR0_PG) != 0, (sys.cr0 & SystemState.CR0_WP) != 0,
                (sys.cr4 & SystemState.CR4_PGE) != 0, (sys.efer & SystemState.EFER_NXE) != 0, sys.cr3);
        segments.refresh();
    }

    private static long canonical(long value) {
        if ((value << 16 >> 16) != value) {
            throw Segments.gp(0);
        }
        return value;
    }

    private static int fixedMtrr(int index) {
        return switch (index) {
            case 0x250 -> 0;
            case 0x258 -> 1;
            case 0x259 -> 2;
            default -> index >= 0x268 && index <= 0x26F ? 3 + index - 0x268 : -1;
        };
    }

    static GuestFault unknown() {
        return Segments.gp(0);
    }
}
