package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.CF;
import static io.hvx.cpu.interp.CpuState.OF;

import io.hvx.cpu.decode.Op;

/** Shifts and rotates with the SDM's flag rules; callers have already skipped masked counts of zero. */
final class Shifts {
    private Shifts() {
    }

    static long shift(CpuState cpu, Op op, long a, int count, int size) {
        switch (op) {
            case SHL -> {
                return shl(cpu, a, count, size);
            }
            case SHR -> {
                return shr(cpu, a, count, size);
            }
            case SAR -> {
                return sar(cpu, a, count, size);
            }
            case ROL -> {
                return rol(cpu, a, count, size);
            }
            case ROR -> {
                return ror(cpu, a, count, size);
            }
            default -> {
                return rotateThroughCarry(cpu, op == Op.RCL, a, count, size);
            }
        }
    }

    static long shl(CpuState cpu, long a, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        a &= m;
        long res = count >= 64 ? 0 : (a << count) & m;
        long cf = count > bits ? 0 : (a >>> (bits - count)) & 1;
        long of = (((res & Interpreter.signBit(size)) != 0) ^ (cf != 0)) ? OF : 0;
        LazyFlags.result(cpu, res, size, cf | of);
        return res;
    }

    static long shr(CpuState cpu, long a, int count, int size) {
        a &= Interpreter.mask(size);
        long res = a >>> count;
        long cf = (a >>> (count - 1)) & 1;
        long of = (a & Interpreter.signBit(size)) != 0 ? OF : 0;
        LazyFlags.result(cpu, res, size, cf | of);
        return res;
    }

    static long sar(CpuState cpu, long a, int count, int size) {
        long s = Interpreter.sx(a, size);
        long res = (s >> Math.min(count, 63)) & Interpreter.mask(size);
        long cf = (s >> Math.min(count - 1, 63)) & 1;
        LazyFlags.result(cpu, res, size, cf);
        return res;
    }

    static long rol(CpuState cpu, long a, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        a &= m;
        int n = count % bits;
        long res = n == 0 ? a : ((a << n) | (a >>> (bits - n))) & m;
        long cf = res & 1;
        long of = (((res & Interpreter.signBit(size)) != 0) ^ (cf != 0)) ? OF : 0;
        LazyFlags.rotate(cpu, cf | of); // rotates keep SF, ZF, PF and AF
        return res;
    }

    static long ror(CpuState cpu, long a, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        long sign = Interpreter.signBit(size);
        a &= m;
        int n = count % bits;
        long res = n == 0 ? a : ((a >>> n) | (a << (bits - n))) & m;
        boolean msb = (res & sign) != 0;
        boolean next = (res & (sign >>> 1)) != 0;
        LazyFlags.rotate(cpu, (msb ? CF : 0) | (msb ^ next ? OF : 0));
        return res;
    }

    private static long rotateThroughCarry(CpuState cpu, boolean left, long a, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        long sign = Interpreter.signBit(size);
        a &= m;
        cpu.materializeFlags(); // they keep SF, ZF, PF and AF and read CF
        long c = cpu.rflags & CF;
        int n = size < 4 ? count % (bits + 1) : count;
        long res = a;
        if (left) {
            for (int k = 0; k < n; k++) {
                long out = (res & sign) != 0 ? 1 : 0;
                res = ((res << 1) | c) & m;
                c = out;
            }
            long of = (((res & sign) != 0) ^ (c != 0)) ? OF : 0;
            cpu.rflags = (cpu.rflags & ~(CF | OF)) | c | of;
            return res;
        } else {
            long of = (((a & sign) != 0) ^ (c != 0)) ? OF : 0;
            for (int k = 0; k < n; k++) {
                long out = res & 1;
                res = (res >>> 1) | (c != 0 ? sign : 0);
                c = out;
            }
            cpu.rflags = (cpu.rflags & ~(CF | OF)) | c | of;
            return res;
        }
    }

    static long doubleShift(CpuState cpu, boolean left, long dst, long src, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        long sign = Interpreter.signBit(size);
        dst &= m;
        src &= m;
        long res;
        long cf;
        if (left) {
            if (count > bits) { // 16-bit forms with counts above 16: the SDM leaves the result undefined
                res = (src << (count - bits)) & m;
                cf = 0;
            } else {
                res = ((dst << count) | (src >>> (bits - count))) & m;
                cf = (dst >>> (bits - count)) & 1;
            }
        } else {
            if (count > bits) {
                res = (src >>> (count - bits)) & m;
                cf = 0;
            } else {
                res = ((dst >>> count) | (src << (bits - count))) & m;
                cf = (dst >>> (count - 1)) & 1;
            }
        }
        long of = (((res ^ dst) & sign) != 0) ? OF : 0;
        LazyFlags.result(cpu, res, size, cf | of);
        return res;
    }
}
