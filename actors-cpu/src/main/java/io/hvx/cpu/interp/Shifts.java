package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.CF;
import static io.hvx.cpu.interp.CpuState.OF;
import static io.hvx.cpu.interp.CpuState.PF;
import static io.hvx.cpu.interp.CpuState.SF;
import static io.hvx.cpu.interp.CpuState.STATUS;
import static io.hvx.cpu.interp.CpuState.ZF;

import io.hvx.cpu.decode.Op;

/** Shifts and rotates with the SDM's flag rules; callers have already skipped masked counts of zero. */
final class Shifts {
    private Shifts() {
    }

    private static long szp(long res, int size) {
        long m = res & Interpreter.mask(size);
        long f = (Integer.bitCount((int) (m & 0xFF)) & 1) == 0 ? PF : 0;
        if (m == 0) {
            f |= ZF;
        }
        if ((m & Interpreter.signBit(size)) != 0) {
            f |= SF;
        }
        return f;
    }

    static long shift(CpuState cpu, Op op, long a, int count, int size) {
        int bits = size * 8;
        long m = Interpreter.mask(size);
        long sign = Interpreter.signBit(size);
        a &= m;
        long res;
        long cf;
        switch (op) {
            case SHL -> {
                res = count >= 64 ? 0 : (a << count) & m;
                cf = count > bits ? 0 : (a >>> (bits - count)) & 1;
                long of = (((res & sign) != 0) ^ (cf != 0)) ? OF : 0;
                cpu.rflags = (cpu.rflags & ~STATUS) | szp(res, size) | (cf != 0 ? CF : 0) | of;
                return res;
            }
            case SHR -> {
                res = a >>> count;
                cf = (a >>> (count - 1)) & 1;
                long of = (a & sign) != 0 ? OF : 0;
                cpu.rflags = (cpu.rflags & ~STATUS) | szp(res, size) | (cf != 0 ? CF : 0) | of;
                return res;
            }
            case SAR -> {
                long s = Interpreter.sx(a, size);
                res = (s >> Math.min(count, 63)) & m;
                cf = (s >> Math.min(count - 1, 63)) & 1;
                cpu.rflags = (cpu.rflags & ~STATUS) | szp(res, size) | (cf != 0 ? CF : 0);
                return res;
            }
            case ROL -> {
                int n = count % bits;
                res = n == 0 ? a : ((a << n) | (a >>> (bits - n))) & m;
                cf = res & 1;
                long of = (((res & sign) != 0) ^ (cf != 0)) ? OF : 0;
                cpu.rflags = (cpu.rflags & ~(CF | OF)) | (cf != 0 ? CF : 0) | of;
                return res;
            }
            case ROR -> {
                int n = count % bits;
                res = n == 0 ? a : ((a >>> n) | (a << (bits - n))) & m;
                boolean msb = (res & sign) != 0;
                boolean next = (res & (sign >>> 1)) != 0;
                cpu.rflags = (cpu.rflags & ~(CF | OF)) | (msb ? CF : 0) | (msb ^ next ? OF : 0);
                return res;
            }
            case RCL -> {
                int n = size < 4 ? count % (bits + 1) : count;
                long c = cpu.rflags & CF;
                res = a;
                for (int k = 0; k < n; k++) {
                    long out = (res & sign) != 0 ? 1 : 0;
                    res = ((res << 1) | c) & m;
                    c = out;
                }
                long of = (((res & sign) != 0) ^ (c != 0)) ? OF : 0;
                cpu.rflags = (cpu.rflags & ~(CF | OF)) | c | of;
                return res;
            }
            default -> { // RCR
                int n = size < 4 ? count % (bits + 1) : count;
                long c = cpu.rflags & CF;
                long of = (((a & sign) != 0) ^ (c != 0)) ? OF : 0;
                res = a;
                for (int k = 0; k < n; k++) {
                    long out = res & 1;
                    res = (res >>> 1) | (c != 0 ? sign : 0);
                    c = out;
                }
                cpu.rflags = (cpu.rflags & ~(CF | OF)) | c | of;
                return res;
            }
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
        cpu.rflags = (cpu.rflags & ~STATUS) | szp(res, size) | (cf != 0 ? CF : 0) | of;
        return res;
    }
}
