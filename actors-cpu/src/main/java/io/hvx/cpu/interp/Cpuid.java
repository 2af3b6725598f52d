package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RBX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDX;

/** CPUID reporting only what the interpreter implements, so that glibc's ifunc selection stays on runnable paths. */
public final class Cpuid {
    private Cpuid() {
    }

    // leaf 1 EDX: FPU(0) TSC(4) CX8(8) CMOV(15) MMX(23) FXSR(24) SSE(25) SSE2(26);
    // ECX: SSE3(0) SSSE3(9) CX16(13) SSE4.1(19) SSE4.2(20) MOVBE(22) POPCNT(23). Each is checked against the host
    // by the oracle tests; AVX and XSAVE stay clear (no YMM state), so every VEX form but BMI is #UD.
    static final int LEAF1_EDX = 1 | 1 << 4 | 1 << 8 | 1 << 15 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
    static final int LEAF1_ECX = 1 | 1 << 9 | 1 << 13 | 1 << 19 | 1 << 20 | 1 << 22 | 1 << 23;
    // leaf 7 subleaf 0 EBX: BMI1(3) BMI2(8)
    static final int LEAF7_EBX = 1 << 3 | 1 << 8;
    // 0x80000001 ECX: LZCNT(5); EDX: SYSCALL(11) LM(29)
    static final int EXT1_ECX = 1 << 5;
    static final int EXT1_EDX = 1 << 11 | 1 << 29;

    public static void execute(long[] r) {
        int leaf = (int) r[RAX];
        int a = 0;
        int b = 0;
        int c = 0;
        int d = 0;
        switch (leaf) {
            case 0 -> {
                a = 7;
                // "HvxHvxHvxHvx" in EBX, EDX, ECX order
                b = 0x78487648;
                d = 0x76487848;
                c = 0x48784876;
            }
            case 1 -> {
                a = 0x000806F0; // family 6: software that keys on family sees a generic modern part
                b = 0x00010800; // CLFLUSH line size 64 bytes, one logical processor
                c = LEAF1_ECX;
                d = LEAF1_EDX;
            }
            case 7 -> {
                if ((int) r[RCX] == 0) {
                    b = LEAF7_EBX;
                }
            }
            case 0x80000000 -> a = 0x80000001;
            case 0x80000001 -> {
                c = EXT1_ECX;
                d = EXT1_EDX;
            }
            default -> { }
        }
        r[RAX] = a & 0xFFFFFFFFL;
        r[RBX] = b & 0xFFFFFFFFL;
        r[RCX] = c & 0xFFFFFFFFL;
        r[RDX] = d & 0xFFFFFFFFL;
    }
}
