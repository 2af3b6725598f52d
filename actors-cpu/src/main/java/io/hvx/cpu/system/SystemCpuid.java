package io.hvx.cpu.system;

import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RBX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDX;

import io.hvx.cpu.interp.Cpuid;

/**
 * CPUID in system mode: the instruction-set features the interpreter reports in user mode ({@link Cpuid}) plus
 * exactly the system features this CPU implements. The vendor is GenuineIntel so that Linux reads the TSC and
 * crystal frequencies from leaves 0x15/0x16 instead of calibrating against a PIT.
 */
public final class SystemCpuid {
    /** The TSC rate: one tick per nanosecond. */
    public static final long TSC_HZ = 1_000_000_000L;
    /** The core crystal clock (leaf 0x15); Linux derives the local APIC timer period from it. */
    public static final long CRYSTAL_HZ = 25_000_000L;
    // leaf 1 EDX: FPU(0) DE(2) PSE(3) TSC(4) MSR(5) PAE(6) CX8(8) APIC(9) MTRR(12) PGE(13) CMOV(15) PAT(16)
    // CLFSH(19) FXSR(24)
    static final int LEAF1_EDX = 1 | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 12 | 1 << 13
            | 1 << 15 | 1 << 16 | 1 << 19 | 1 << 24;
    // leaf 1 ECX: TSC_DEADLINE(24) HYPERVISOR(31)
    static final int LEAF1_ECX = 1 << 24 | 1 << 31;
    // 0x80000001 EDX: SYSCALL(11) NX(20) PDPE1GB(26) RDTSCP(27) LM(29); ECX: LAHF_LM(0)
    static final int EXT1_EDX = 1 << 11 | 1 << 20 | 1 << 26 | 1 << 27 | 1 << 29;
    static final int EXT1_ECX = 1;

    private static final byte[] BRAND = java.util.Arrays.copyOf(
            "hvx software x86-64 CPU".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 48);

    private SystemCpuid() {
    }

    private static int brand(int at) {
        return (BRAND[at] & 0xFF) | (BRAND[at + 1] & 0xFF) << 8 | (BRAND[at + 2] & 0xFF) << 16 | BRAND[at + 3] << 24;
    }

    /** Executes CPUID for vCPU {@code apicId} of {@code vcpus}, leaf in EAX and subleaf in ECX. */
    public static void execute(long[] r, int apicId, int vcpus) {
        int leaf = (int) r[RAX];
        int sub = (int) r[RCX];
        long[] isa = {leaf, 0, sub, 0};
        int a = 0;
        int b = 0;
        int c = 0;
        int d = 0;
        switch (leaf) {
            case 0 -> {
                a = 0x16;
                b = 0x756E6547; // "Genu"
                d = 0x49656E69; // "ineI"
                c = 0x6C65746E; // "ntel"
            }
            case 1 -> {
                Cpuid.execute(isa);
                a = (int) isa[RAX];
                // one logical processor per package (no HTT), as each vCPU is its own socket
                b = 8 << 8 | 1 << 16 | apicId << 24;
                c = (int) isa[RCX] | LEAF1_ECX;
                d = (int) isa[RDX] | LEAF1_EDX;
            }
            case 6 -> a = 1 << 2; // ARAT: the APIC timer runs in every C-state
            case 7 -> {
                if (sub == 0) {
                    Cpuid.execute(isa);
                    // TSC_ADJUST: with the invariant TSC it tells Linux the TSC needs no clocksource watchdog, which
                    // on a slow software CPU would otherwise compare it with late jiffies and mark it unstable
                    b = (int) isa[RBX] | 1 << 1;
                    c = (int) isa[RCX];
                    d = (int) isa[RDX] | 1 << 29; // IA32_ARCH_CAPABILITIES
                }
            }
            case 0x15 -> {
                a = 1;
                b = (int) (TSC_HZ / CRYSTAL_HZ);
                c = (int) CRYSTAL_HZ;
            }
            case 0x16 -> {
                a = (int) (TSC_HZ / 1_000_000);
                b = a;
                c = (int) (CRYSTAL_HZ / 1_000_000);
            }
            case 0x80000000 -> a = 0x80000008;
            case 0x80000001 -> {
                Cpuid.execute(isa);
                c = (int) isa[RCX] | EXT1_ECX;
                d = (int) isa[RDX] | EXT1_EDX;
            }
            case 0x80000002, 0x80000003, 0x80000004 -> {
                int at = (leaf - 0x80000002) * 16;
                a = brand(at);
                b = brand(at + 4);
                c = brand(at + 8);
                d = brand(at + 12);
            }
            case 0x80000007 -> d = 1 << 8; // invariant TSC
            case 0x80000008 -> a = 40 | 48 << 8; // physical and linear address bits
            default -> { }
        }
        r[RAX] = a & 0xFFFFFFFFL;
        r[RBX] = b & 0xFFFFFFFFL;
        r[RCX] = c & 0xFFFFFFFFL;
        r[RDX] = d & 0xFFFFFFFFL;
    }
}
