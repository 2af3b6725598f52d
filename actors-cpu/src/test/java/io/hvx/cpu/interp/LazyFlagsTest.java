package io.hvx.cpu.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of {@link LazyFlags} (conditions, CF and ZF read from a pending operation) agree with the
 * materialised flags, which the host-CPU oracle checks instruction by instruction. The oracle runs one instruction
 * per case, so it never reads a condition from a pending operation: this test does, for every kind and size.
 */
class LazyFlagsTest {
    private static final int[] SIZES = {1, 2, 4, 8};
    private static final int[] KINDS = {LazyFlags.ADD, LazyFlags.ADC, LazyFlags.SUB, LazyFlags.SBB, LazyFlags.INC,
            LazyFlags.DEC, LazyFlags.RESULT};

    private static long operand(SplittableRandom rnd, int size) {
        long m = Interpreter.mask(size);
        long sign = Interpreter.signBit(size);
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> sign;
            case 2 -> sign - 1;
            case 3 -> m;
            case 4 -> rnd.nextInt(3);
            default -> rnd.nextLong() & m;
        };
    }

    private static void pend(CpuState cpu, int kind, long a, long b, int size) {
        long m = Interpreter.mask(size);
        switch (kind) {
            case LazyFlags.ADD -> LazyFlags.record(cpu, kind, a, b, (a + b) & m, size);
            case LazyFlags.ADC -> LazyFlags.record(cpu, kind, a, b, (a + b + 1) & m, size);
            case LazyFlags.SUB -> LazyFlags.record(cpu, kind, a, b, (a - b) & m, size);
            case LazyFlags.SBB -> LazyFlags.record(cpu, kind, a, b, (a - b - 1) & m, size);
            case LazyFlags.INC -> LazyFlags.record(cpu, kind, a, b & CpuState.CF, (a + 1) & m, size);
            case LazyFlags.DEC -> LazyFlags.record(cpu, kind, a, b & CpuState.CF, (a - 1) & m, size);
            default -> LazyFlags.result(cpu, a, size, b & (CpuState.CF | CpuState.OF | CpuState.AF));
        }
    }

    @Test
    void conditions_read_from_a_pending_operation_match_the_materialised_flags() {
        long seed = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int n = 0; n < 200_000; n++) {
            int size = SIZES[rnd.nextInt(4)];
            int kind = KINDS[rnd.nextInt(KINDS.length)];
            long a = operand(rnd, size);
            long b = kind == LazyFlags.RESULT || kind == LazyFlags.INC || kind == LazyFlags.DEC
                    ? rnd.nextLong() : operand(rnd, size);
            long other = rnd.nextLong() & ~CpuState.STATUS | 2;
            // a rotate after the operation replaces CF and OF only
            long rotate = rnd.nextBoolean() ? -1 : rnd.nextLong() & (CpuState.CF | CpuState.OF);
            for (int cc = 0; cc < 16; cc++) {
                CpuState lazy = new CpuState();
                lazy.rflags = other;
                pend(lazy, kind, a, b, size);
                if (rotate >= 0) {
                    LazyFlags.rotate(lazy, rotate);
                }
                CpuState eager = new CpuState();
                eager.rflags = other;
                pend(eager, kind, a, b, size);
                eager.materializeFlags();
                if (rotate >= 0) {
                    LazyFlags.rotate(eager, rotate);
                }
                String what = "seed " + seed + " kind " + (kind >> 4) + " size " + size + " a " + Long.toHexString(a)
                        + " b " + Long.toHexString(b) + " rotate " + rotate + " cc " + cc;
                assertEquals(LazyFlags.condition(eager, cc), LazyFlags.condition(lazy, cc), what);
                assertEquals((eager.rflags & CpuState.CF) != 0, LazyFlags.carry(lazy), what);
                assertEquals((eager.rflags & CpuState.ZF) != 0, LazyFlags.zero(lazy), what);
                assertEquals(other & ~CpuState.STATUS, eager.rflags & ~CpuState.STATUS, what);
                assertEquals(eager.rflags, lazy.flags(), what);
            }
        }
    }

    @Test
    void inc_and_dec_keep_the_carry_of_the_operation_before_them() {
        CpuState cpu = new CpuState();
        LazyFlags.record(cpu, LazyFlags.SUB, 1, 2, -1L & 0xFF, 1); // 1 - 2 borrows: CF set
        LazyFlags.record(cpu, LazyFlags.INC, 0x7F, LazyFlags.carry(cpu) ? CpuState.CF : 0, 0x80, 1);
        long f = cpu.flags();
        assertEquals(CpuState.CF | CpuState.OF | CpuState.SF | CpuState.AF,
                f & (CpuState.CF | CpuState.OF | CpuState.SF | CpuState.AF | CpuState.ZF));
    }
}
