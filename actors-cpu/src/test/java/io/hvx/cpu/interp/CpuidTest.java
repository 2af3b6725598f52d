package io.hvx.cpu.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CpuidTest {
    private static long[] cpuid(int leaf, int sub) {
        long[] r = new long[16];
        r[CpuState.RAX] = leaf;
        r[CpuState.RCX] = sub;
        Cpuid.execute(r);
        return r;
    }

    private static void assertBit(boolean set, long reg, int bit, String name) {
        assertEquals(set, (reg >>> bit & 1) != 0, name + (set ? " must be advertised" : " must stay clear"));
    }

    @Test
    void leaf_1_advertises_sse3_through_sse4_2_but_not_avx_or_xsave() {
        long ecx = cpuid(1, 0)[CpuState.RCX];
        assertBit(true, ecx, 0, "SSE3");
        assertBit(true, ecx, 9, "SSSE3");
        assertBit(true, ecx, 19, "SSE4.1");
        assertBit(true, ecx, 20, "SSE4.2");
        assertBit(true, ecx, 23, "POPCNT");
        assertBit(false, ecx, 26, "XSAVE");
        assertBit(false, ecx, 27, "OSXSAVE");
        assertBit(false, ecx, 28, "AVX");
        assertBit(false, ecx, 12, "FMA");
    }

    @Test
    void leaf_7_advertises_bmi1_and_bmi2_only_in_subleaf_0() {
        assertEquals(7, cpuid(0, 0)[CpuState.RAX], "the highest basic leaf reaches 7");
        long ebx = cpuid(7, 0)[CpuState.RBX];
        assertBit(true, ebx, 3, "BMI1");
        assertBit(true, ebx, 8, "BMI2");
        assertBit(false, ebx, 5, "AVX2");
        assertBit(false, ebx, 16, "AVX512F");
        long[] sub1 = cpuid(7, 1);
        assertEquals(0, sub1[CpuState.RAX] | sub1[CpuState.RBX] | sub1[CpuState.RCX] | sub1[CpuState.RDX]);
    }
}
