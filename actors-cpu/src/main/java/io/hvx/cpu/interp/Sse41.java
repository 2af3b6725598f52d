package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * SSE4.1 (66 0F 38 and 66 0F 3A forms), plus PCMPGTQ, the one packed-lane SSE4.2 form. XMM registers are
 * (lo, hi) quadword pairs; lanes are computed in place without allocation.
 */
final class Sse41 {
    private final CpuState cpu;
    private final long[] x;
    private final LinearMemory mem;
    private final Interpreter in;
    private final Sse sse;
    private final SseFp fp;

    Sse41(CpuState cpu, LinearMemory mem, Interpreter in, Sse sse, SseFp fp) {
        this.cpu = cpu;
        this.x = cpu.xmm;
        this.mem = mem;
        this.in = in;
        this.sse = sse;
        this.fp = fp;
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    private void setFlags(long mask, long value) {
        cpu.materializeFlags();
        cpu.rflags = (cpu.rflags & ~mask) | value;
    }

    void execute(Instruction i) {
        if ((i.prefixes & Instruction.P_OPSIZE) == 0 || (i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0) {
            throw ud(i);
        }
        if (i.opcode >>> 8 == 3) {
            executeImmediate(i, i.opcode & 0xFF);
            return;
        }
        int opcode = i.opcode & 0xFF;
        int d = i.reg * 2;
        if ((opcode >= 0x20 && opcode <= 0x25) || (opcode >= 0x30 && opcode <= 0x35)) {
            extend(i, opcode, d);
            return;
        }
        sse.loadSrc(i, true);
        long s0 = sse.srcLo;
        long s1 = sse.srcHi;
        long a0 = x[d];
        long a1 = x[d + 1];
        long m0 = x[0];
        long m1 = x[1];
        switch (opcode) {
            case 0x10 -> set(d, blend(a0, s0, m0, 8), blend(a1, s1, m1, 8));
            case 0x14 -> set(d, blend(a0, s0, m0, 32), blend(a1, s1, m1, 32));
            case 0x15 -> set(d, m0 < 0 ? s0 : a0, m1 < 0 ? s1 : a1);
            case 0x17 -> { // PTEST
                long zf = (a0 & s0) == 0 && (a1 & s1) == 0 ? CpuState.ZF : 0;
                long cf = (~a0 & s0) == 0 && (~a1 & s1) == 0 ? CpuState.CF : 0;
                setFlags(CpuState.STATUS, zf | cf);
            }
            case 0x28 -> set(d, (long) (int) a0 * (int) s0, (long) (int) a1 * (int) s1);
            case 0x29 -> set(d, a0 == s0 ? -1 : 0, a1 == s1 ? -1 : 0);
            case 0x37 -> set(d, a0 > s0 ? -1 : 0, a1 > s1 ? -1 : 0); // SSE4.2 PCMPGTQ
            case 0x2A -> set(d, s0, s1); // MOVNTDQA: an aligned load
            case 0x2B -> set(d, packUnsigned(a0, a1), packUnsigned(s0, s1));
            case 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40 -> set(d, lanes(opcode, a0, s0), lanes(opcode, a1, s1));
            case 0x41 -> { // PHMINPOSUW
                int best = 0;
                long min = s0 & 0xFFFF;
                for (int k = 1; k < 8; k++) {
                    long w = ((k < 4 ? s0 : s1) >>> ((k & 3) * 16)) & 0xFFFF;
                    if (w < min) {
                        min = w;
                        best = k;
                    }
                }
                set(d, min | (long) best << 16, 0);
            }
            default -> throw ud(i);
        }
    }

    private void set(int d, long lo, long hi) {
        x[d] = lo;
        x[d + 1] = hi;
    }

    /** PBLENDVB/BLENDVPS: each lane of width bits comes from s where the mask lane's top bit is set. */
    private static long blend(long a, long s, long mask, int width) {
        long out = 0;
        for (int at = 0; at < 64; at += width) {
            long m = ((1L << width) - 1) << at;
            out |= ((mask >>> (at + width - 1) & 1) != 0 ? s : a) & m;
        }
        return out;
    }

    /** PACKUSDW of one quadword pair: four signed dwords to unsigned words, saturating. */
    private static long packUnsigned(long lo, long hi) {
        long out = 0;
        for (int k = 0; k < 4; k++) {
            int v = (int) ((k < 2 ? lo : hi) >>> ((k & 1) * 32));
            out |= (long) Math.max(0, Math.min(0xFFFF, v)) << (k * 16);
        }
        return out;
    }

    /** PMINS/PMAXS/PMINU/PMAXU of bytes, words and dwords, and PMULLD (0F 38 38..40). */
    private static long lanes(int opcode, long a, long s) {
        int width = switch (opcode) {
            case 0x38, 0x3C -> 8;
            case 0x3A, 0x3E -> 16;
            default -> 32;
        };
        boolean signed = opcode == 0x38 || opcode == 0x39 || opcode == 0x3C || opcode == 0x3D;
        boolean max = opcode >= 0x3C && opcode <= 0x3F;
        long m = (1L << width) - 1;
        long out = 0;
        for (int at = 0; at < 64; at += width) {
            long u = (a >>> at) & m;
            long v = (s >>> at) & m;
            long r;
            if (opcode == 0x40) {
                r = u * v;
            } else {
                long p = signed ? (u << (64 - width)) >> (64 - width) : u;
                long q = signed ? (v << (64 - width)) >> (64 - width) : v;
                r = max == (p > q) ? u : v;
            }
            out |= (r & m) << at;
        }
        return out;
    }

    /** PMOVSX and PMOVZX: the low lanes of the source widened; a memory source is only as wide as it needs. */
    private void extend(Instruction i, int opcode, int d) {
        int form = opcode & 0xF;
        int from = form == 0 || form == 1 || form == 2 ? 8 : form == 5 ? 32 : 16;
        int to = form == 0 ? 16 : form == 1 || form == 3 ? 32 : 64;
        int count = 128 / to;
        int bytes = count * from / 8;
        long src;
        if (i.mod == 3) {
            src = x[i.rm * 2];
        } else {
            src = mem.read(in.ea(i), bytes);
        }
        boolean signed = opcode < 0x30;
        long lo = 0;
        long hi = 0;
        long m = to == 64 ? -1L : (1L << to) - 1;
        for (int k = 0; k < count; k++) {
            long v = (src >>> (k * from)) & ((1L << from) - 1);
            if (signed) {
                v = (v << (64 - from)) >> (64 - from);
            }
            int at = k * to;
            if (at < 64) {
                lo |= (v & m) << at;
            } else {
                hi |= (v & m) << (at - 64);
            }
        }
        set(d, lo, hi);
    }

    private void executeImmediate(Instruction i, int opcode) {
        int d = i.reg * 2;
        int imm = (int) i.imm & 0xFF;
        switch (opcode) {
            case 0x14, 0x15, 0x16, 0x17 -> extract(i, opcode, d, imm);
            case 0x20, 0x22 -> {
                int width = opcode == 0x20 ? 8 : i.opSize * 8;
                long v = i.mod == 3 ? cpu.regs[i.rm] : mem.read(in.ea(i), width / 8);
                int lanes = 128 / width;
                insert(d, (imm & (lanes - 1)) * width, width, v);
            }
            case 0x21 -> { // INSERTPS
                long v;
                if (i.mod == 3) {
                    int k = imm >>> 6;
                    v = x[i.rm * 2 + (k >> 1)] >>> ((k & 1) * 32);
                } else {
                    v = mem.read32(in.ea(i));
                }
                insert(d, ((imm >>> 4) & 3) * 32, 32, v);
                for (int k = 0; k < 4; k++) {
                    if ((imm & (1 << k)) != 0) {
                        insert(d, k * 32, 32, 0);
                    }
                }
            }
            case 0x0A, 0x0B -> { // ROUNDSS, ROUNDSD: the low lane only, a scalar memory operand
                boolean single = opcode == 0x0A;
                long v = i.mod == 3 ? x[i.rm * 2] : mem.read(in.ea(i), single ? 4 : 8);
                if (single) {
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (roundSingle((int) v, imm) & 0xFFFFFFFFL);
                } else {
                    x[d] = roundDouble(v, imm);
                }
            }
            default -> packedImmediate(i, opcode, d, imm);
        }
    }

    private void packedImmediate(Instruction i, int opcode, int d, int imm) {
        sse.loadSrc(i, true);
        long s0 = sse.srcLo;
        long s1 = sse.srcHi;
        long a0 = x[d];
        long a1 = x[d + 1];
        switch (opcode) {
            case 0x08 -> set(d, roundSingles(s0, imm), roundSingles(s1, imm));
            case 0x09 -> set(d, roundDouble(s0, imm), roundDouble(s1, imm));
            case 0x0C -> set(d, blendImm(a0, s0, imm, 32), blendImm(a1, s1, imm >>> 2, 32));
            case 0x0D -> set(d, (imm & 1) != 0 ? s0 : a0, (imm & 2) != 0 ? s1 : a1);
            case 0x0E -> set(d, blendImm(a0, s0, imm, 16), blendImm(a1, s1, imm >>> 4, 16));
            case 0x40 -> dotSingle(d, a0, a1, s0, s1, imm);
            case 0x41 -> { // DPPD
                long p0 = (imm & 0x10) != 0 ? fp.opD(SseFp.MUL, a0, s0) : 0;
                long p1 = (imm & 0x20) != 0 ? fp.opD(SseFp.MUL, a1, s1) : 0;
                long sum = fp.opD(SseFp.ADD, p0, p1);
                set(d, (imm & 1) != 0 ? sum : 0, (imm & 2) != 0 ? sum : 0);
            }
            case 0x42 -> { // MPSADBW
                int dOff = (imm >>> 2 & 1) * 4;
                int sOff = (imm & 3) * 4;
                long lo = 0;
                long hi = 0;
                for (int k = 0; k < 8; k++) {
                    long sum = 0;
                    for (int j = 0; j < 4; j++) {
                        sum += Math.abs(Sse.byteAt(a0, a1, dOff + k + j) - Sse.byteAt(s0, s1, sOff + j));
                    }
                    if (k < 4) {
                        lo |= sum << (k * 16);
                    } else {
                        hi |= sum << ((k - 4) * 16);
                    }
                }
                set(d, lo, hi);
            }
            default -> throw ud(i);
        }
    }

    /** DPPS: masked products, summed pairwise as the manual orders it, each step rounded. */
    private void dotSingle(int d, long a0, long a1, long s0, long s1, int imm) {
        int t0 = (imm & 0x10) != 0 ? fp.opF(SseFp.MUL, (int) a0, (int) s0) : 0;
        int t1 = (imm & 0x20) != 0 ? fp.opF(SseFp.MUL, (int) (a0 >>> 32), (int) (s0 >>> 32)) : 0;
        int t2 = (imm & 0x40) != 0 ? fp.opF(SseFp.MUL, (int) a1, (int) s1) : 0;
        int t3 = (imm & 0x80) != 0 ? fp.opF(SseFp.MUL, (int) (a1 >>> 32), (int) (s1 >>> 32)) : 0;
        int sum = fp.opF(SseFp.ADD, fp.opF(SseFp.ADD, t0, t1), fp.opF(SseFp.ADD, t2, t3));
        long lane = sum & 0xFFFFFFFFL;
        set(d, ((imm & 1) != 0 ? lane : 0) | ((imm & 2) != 0 ? lane << 32 : 0),
                ((imm & 4) != 0 ? lane : 0) | ((imm & 8) != 0 ? lane << 32 : 0));
    }

    private static long blendImm(long a, long s, int bits, int width) {
        long out = 0;
        for (int k = 0; k < 64 / width; k++) {
            long m = ((1L << width) - 1) << (k * width);
            out |= ((bits >>> k & 1) != 0 ? s : a) & m;
        }
        return out;
    }

    /** Replaces width bits at bit offset at of the destination register (at below 128). */
    private void insert(int d, int at, int width, long v) {
        long m = width == 64 ? -1L : (1L << width) - 1;
        int q = d + (at >>> 6);
        int sh = at & 63;
        x[q] = (x[q] & ~(m << sh)) | ((v & m) << sh);
    }

    /** PEXTRB/W/D/Q and EXTRACTPS: a register destination is zero-extended, a memory one as wide as the lane. */
    private void extract(Instruction i, int opcode, int d, int imm) {
        int width = switch (opcode) {
            case 0x14 -> 8;
            case 0x15 -> 16;
            case 0x16 -> i.opSize * 8;
            default -> 32;
        };
        int at = (imm & (128 / width - 1)) * width;
        long q = x[d + (at >>> 6)] >>> (at & 63);
        long v = width == 64 ? q : q & ((1L << width) - 1);
        if (i.mod == 3) {
            cpu.regs[i.rm] = opcode == 0x16 && width == 32 || opcode == 0x17 ? v & 0xFFFFFFFFL : v;
        } else {
            mem.write(in.ea(i), width / 8, v);
        }
    }

    private long roundSingles(long q, int imm) {
        return (roundSingle((int) q, imm) & 0xFFFFFFFFL) | (long) roundSingle((int) (q >>> 32), imm) << 32;
    }

    private int roundSingle(int bits, int imm) {
        if ((bits & 0x7F800000) == 0x7F800000 && (bits & 0x7FFFFF) != 0) { // NaN
            if ((bits & 0x400000) == 0) {
                fp.raise(SseFp.IE);
            }
            return bits | 0x400000;
        }
        if ((bits & 0x7F800000) == 0 && (cpu.mxcsr & SseFp.DAZ) != 0) {
            return bits & 0x80000000;
        }
        float v = Float.intBitsToFloat(bits);
        float r = (float) roundIntegral(v, imm);
        if (r != v && (imm & 8) == 0) {
            fp.raise(SseFp.PE);
        }
        return Float.floatToRawIntBits(r);
    }

    private long roundDouble(long bits, int imm) {
        if ((bits & 0x7FF0000000000000L) == 0x7FF0000000000000L && (bits & 0xFFFFFFFFFFFFFL) != 0) {
            if ((bits & 0x8000000000000L) == 0) {
                fp.raise(SseFp.IE);
            }
            return bits | 0x8000000000000L;
        }
        if ((bits & 0x7FF0000000000000L) == 0 && (cpu.mxcsr & SseFp.DAZ) != 0) {
            return bits & 0x8000000000000000L;
        }
        double v = Double.longBitsToDouble(bits);
        double r = roundIntegral(v, imm);
        if (r != v && (imm & 8) == 0) {
            fp.raise(SseFp.PE);
        }
        return Double.doubleToRawLongBits(r);
    }

    /** Rounds to an integral value by imm[1:0], or by MXCSR.RC when imm[2] is set; the sign of zero is kept. */
    private double roundIntegral(double v, int imm) {
        int mode = (imm & 4) != 0 ? (cpu.mxcsr >>> 13) & 3 : imm & 3;
        return switch (mode) {
            case 0 -> Math.rint(v);
            case 1 -> Math.floor(v);
            case 2 -> Math.ceil(v);
            default -> v < 0 ? Math.ceil(v) : Math.floor(v);
        };
    }
}
