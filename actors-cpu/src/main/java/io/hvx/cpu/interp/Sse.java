package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * The SSE/SSE2 integer and move subset that static glibc and busybox use; XMM registers are pairs of
 * longs and lane arithmetic works on them in place (no allocation).
 */
final class Sse {
    private final CpuState cpu;
    private final long[] x;
    private final LinearMemory mem;
    private final Interpreter in;
    private final SseFp fp;
    private final PackedSse packed;
    private final PackedInt packedInt;
    private final Mmx mmx;
    // scratch source operand, filled per instruction
    private long srcLo;
    private long srcHi;

    Sse(CpuState cpu, LinearMemory mem, Interpreter in) {
        this.cpu = cpu;
        this.x = cpu.xmm;
        this.mem = mem;
        this.in = in;
        this.fp = new SseFp(cpu);
        this.packed = new PackedSse(cpu, fp);
        this.packedInt = new PackedInt(cpu);
        this.mmx = new Mmx(cpu, mem, in);
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    private void loadSrc(Instruction i, boolean aligned) {
        if (i.mod == 3) {
            srcLo = x[i.rm * 2];
            srcHi = x[i.rm * 2 + 1];
        } else {
            long a = in.ea(i);
            if (aligned && (a & 15) != 0) {
                throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
            }
            srcLo = mem.read64(a);
            srcHi = mem.read64(a + 8);
        }
    }

    private void store128(Instruction i, long lo, long hi, boolean aligned) {
        if (i.mod == 3) {
            x[i.rm * 2] = lo;
            x[i.rm * 2 + 1] = hi;
        } else {
            long a = in.ea(i);
            if (aligned && (a & 15) != 0) {
                throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
            }
            // check the second half first so a fault leaves memory unchanged
            mem.read64(a + 8);
            mem.write64(a + 8, hi);
            mem.write64(a, lo);
        }
    }

    private void setDst(Instruction i, long lo, long hi) {
        x[i.reg * 2] = lo;
        x[i.reg * 2 + 1] = hi;
    }

    void execute(Instruction i) {
        boolean p66 = (i.prefixes & Instruction.P_OPSIZE) != 0;
        boolean pF3 = (i.prefixes & Instruction.P_REP) != 0;
        boolean pF2 = (i.prefixes & Instruction.P_REPNE) != 0;
        int d = i.reg * 2;
        Op op = i.op;
        if (!p66 && !pF3 && !pF2 && Mmx.handles(op, i.opcode & 0xFF) && i.opcode < 0x200) {
            mmx.execute(i);
            return;
        }
        switch (op) {
            case MOVUPS_LOAD, MOVAPS_LOAD -> {
                if (pF3 || pF2) {
                    if (op == Op.MOVAPS_LOAD) {
                        throw ud(i); // CVTSI2SS/SD are not implemented
                    }
                    int bytes = pF3 ? 4 : 8;
                    long m = bytes == 4 ? 0xFFFFFFFFL : -1L;
                    if (i.mod == 3) {
                        x[d] = (x[d] & ~m) | (x[i.rm * 2] & m);
                    } else {
                        x[d] = mem.read(in.ea(i), bytes);
                        x[d + 1] = 0;
                    }
                } else {
                    loadSrc(i, op == Op.MOVAPS_LOAD);
                    setDst(i, srcLo, srcHi);
                }
            }
            case MOVUPS_STORE, MOVAPS_STORE -> {
                if (pF3 || pF2) {
                    if (op == Op.MOVAPS_STORE) {
                        throw ud(i);
                    }
                    int bytes = pF3 ? 4 : 8;
                    long m = bytes == 4 ? 0xFFFFFFFFL : -1L;
                    if (i.mod == 3) {
                        x[i.rm * 2] = (x[i.rm * 2] & ~m) | (x[d] & m);
                    } else {
                        mem.write(in.ea(i), bytes, x[d]);
                    }
                } else {
                    store128(i, x[d], x[d + 1], op == Op.MOVAPS_STORE);
                }
            }
            case MOVHLPS_LOAD -> {
                requireNoRep(i, pF3, pF2);
                x[d] = i.mod == 3 ? x[i.rm * 2 + 1] : mem.read64(in.ea(i));
            }
            case MOVLPD_STORE -> mem.write64(in.ea(i), x[d]);
            case MOVHPD_LOAD -> {
                requireNoRep(i, pF3, pF2);
                x[d + 1] = i.mod == 3 ? x[i.rm * 2] : mem.read64(in.ea(i));
            }
            case MOVHPD_STORE -> mem.write64(in.ea(i), x[d + 1]);
            case MOVDQ_LOAD -> {
                if (!p66 && !pF3) {
                    throw ud(i); // MMX form
                }
                loadSrc(i, p66);
                setDst(i, srcLo, srcHi);
            }
            case MOVDQ_STORE -> {
                if (!p66 && !pF3) {
                    throw ud(i);
                }
                store128(i, x[d], x[d + 1], p66);
            }
            case MOVD_TO_X -> {
                if (!p66) {
                    throw ud(i);
                }
                setDst(i, in.readE(i, i.opSize), 0);
            }
            case MOVD_FROM_X -> {
                if (pF3) { // MOVQ xmm, xmm/m64
                    long v = i.mod == 3 ? x[i.rm * 2] : mem.read64(in.ea(i));
                    setDst(i, v, 0);
                } else if (p66) {
                    in.writeE(i, i.opSize, x[d]);
                } else {
                    throw ud(i);
                }
            }
            case MOVQ_STORE_X -> {
                if (!p66) {
                    throw ud(i);
                }
                if (i.mod == 3) {
                    x[i.rm * 2] = x[d];
                    x[i.rm * 2 + 1] = 0;
                } else {
                    mem.write64(in.ea(i), x[d]);
                }
            }
            case PMOVMSKB -> {
                if (!p66 || i.mod != 3) {
                    throw ud(i);
                }
                long lo = x[i.rm * 2];
                long hi = x[i.rm * 2 + 1];
                int m = 0;
                for (int k = 0; k < 8; k++) {
                    m |= (int) ((lo >>> (8 * k + 7)) & 1) << k;
                    m |= (int) ((hi >>> (8 * k + 7)) & 1) << (k + 8);
                }
                cpu.regs[i.reg] = m;
            }
            case CVTSI2F, CVTF2SI, COMIF -> ScalarFloat.execute(cpu, mem, in, fp, i, p66, pF3, pF2);
            case SSE_INT -> {
                if (!p66 || pF3 || pF2) {
                    throw ud(i); // the MMX forms are not implemented
                }
                loadSrc(i, true);
                packedInt.execute(i, srcLo, srcHi);
            }
            case PINSRW -> {
                if (!p66 || pF3 || pF2) {
                    throw ud(i);
                }
                packedInt.insertWord(i, i.mod == 3 ? cpu.regs[i.rm] : mem.read16(in.ea(i)));
            }
            case PEXTRW -> {
                if (!p66 || pF3 || pF2 || i.mod != 3) {
                    throw ud(i);
                }
                cpu.regs[i.reg] = packedInt.extractWord(i);
            }
            case MOVNT_STORE -> {
                if (pF3 || pF2 || ((i.opcode & 0xFF) == 0xE7 && !p66)) {
                    throw ud(i);
                }
                store128(i, x[d], x[d + 1], true);
            }
            case MOVNTI -> {
                if (p66 || pF3 || pF2 || i.opSize < 4) {
                    throw ud(i);
                }
                in.writeE(i, i.opSize, cpu.regs[i.reg]);
            }
            case RCP_RSQRT -> {
                if (p66 || pF2) {
                    throw ud(i);
                }
                boolean rsqrt = (i.opcode & 0xFF) == 0x52;
                if (pF3) {
                    long src = i.mod == 3 ? x[i.rm * 2] : mem.read32(in.ea(i));
                    x[d] = (x[d] & ~0xFFFFFFFFL) | (approximate((int) src, rsqrt) & 0xFFFFFFFFL);
                } else {
                    loadSrc(i, true);
                    x[d] = (approximate((int) srcLo, rsqrt) & 0xFFFFFFFFL)
                            | (long) approximate((int) (srcLo >>> 32), rsqrt) << 32;
                    x[d + 1] = (approximate((int) srcHi, rsqrt) & 0xFFFFFFFFL)
                            | (long) approximate((int) (srcHi >>> 32), rsqrt) << 32;
                }
            }
            case FP_ARITH, SSE_FP -> {
                int opcode = i.opcode & 0xFF;
                if (pF3 || pF2) {
                    if (op == Op.FP_ARITH || opcode == 0x5A || opcode == 0xC2) {
                        ScalarFloat.execute(cpu, mem, in, fp, i, p66, pF3, pF2);
                        return;
                    }
                    if (!((opcode == 0x5B && pF3) || opcode == 0xE6)) {
                        throw ud(i);
                    }
                }
                boolean half = (opcode == 0x5A && !p66) || (opcode == 0xE6 && pF3);
                if (half && i.mod != 3) {
                    srcLo = mem.read64(in.ea(i)); // a 64-bit memory operand, no alignment required
                    srcHi = 0;
                } else {
                    loadSrc(i, true);
                }
                packed.execute(i, p66, pF3, pF2, srcLo, srcHi);
            }
            case PSHIFT_IMM_W, PSHIFT_IMM_D, PSHIFT_IMM_Q -> {
                if (!p66 || i.mod != 3) {
                    throw ud(i);
                }
                shiftImmediate(i, op, i.rm * 2, (int) i.imm & 0xFF);
            }
            case PSHUFD -> {
                if (pF3 || pF2) {
                    loadSrc(i, true);
                    packedInt.shuffleWords(i, pF3, srcLo, srcHi);
                    return;
                }
                if (!p66) {
                    throw ud(i);
                }
                loadSrc(i, true);
                binary(i, op, d);
            }
            default -> {
                boolean logical = switch (op) {
                    case PXOR, POR, PAND, PANDN -> true;
                    default -> false;
                };
                // packed-single logic forms (0F 54..57) take no prefix; the integer ones need 66 (no MMX)
                boolean psForm = (i.opcode & 0xFF) >= 0x54 && (i.opcode & 0xFF) <= 0x57 && i.opcode < 0x200;
                if ((!p66 && !(logical && psForm)) || pF3 || pF2) {
                    throw ud(i);
                }
                loadSrc(i, !psForm && op != Op.PSHUFB && op != Op.PALIGNR && op != Op.PTEST ? true : false);
                binary(i, op, d);
            }
        }
    }

    /**
     * RCPPS/RSQRTPS: the manual promises a relative error of at most 1.5 * 2^-12; this gives the correctly
     * rounded value, which meets it (the hardware's table-driven bits differ between vendors anyway).
     */
    private static int approximate(int bits, boolean rsqrt) {
        float v = Float.intBitsToFloat(bits);
        if ((bits & 0x7F800000) == 0) {
            v = Math.copySign(0.0f, v); // denormal inputs are treated as zero
        }
        float r = rsqrt ? (float) (1.0 / Math.sqrt(v)) : 1.0f / v;
        if (Float.isNaN(v)) {
            return bits | 0x400000;
        }
        if (Float.isNaN(r)) {
            return 0xFFC00000;
        }
        return Float.floatToRawIntBits(r);
    }

    private static void requireNoRep(Instruction i, boolean f3, boolean f2) {
        if (f3 || f2) {
            throw ud(i);
        }
    }

    private void binary(Instruction i, Op op, int d) {
        long a = x[d];
        long b = x[d + 1];
        long s0 = srcLo;
        long s1 = srcHi;
        switch (op) {
            case PXOR -> setDst(i, a ^ s0, b ^ s1);
            case POR -> setDst(i, a | s0, b | s1);
            case PAND -> setDst(i, a & s0, b & s1);
            case PANDN -> setDst(i, ~a & s0, ~b & s1);
            case PCMPEQB -> setDst(i, lanes(a, s0, 8, 0), lanes(b, s1, 8, 0));
            case PCMPEQW -> setDst(i, lanes(a, s0, 16, 0), lanes(b, s1, 16, 0));
            case PCMPEQD -> setDst(i, lanes(a, s0, 32, 0), lanes(b, s1, 32, 0));
            case PCMPGTB -> setDst(i, lanes(a, s0, 8, 1), lanes(b, s1, 8, 1));
            case PADDB -> setDst(i, lanes(a, s0, 8, 2), lanes(b, s1, 8, 2));
            case PADDW -> setDst(i, lanes(a, s0, 16, 2), lanes(b, s1, 16, 2));
            case PADDD -> setDst(i, lanes(a, s0, 32, 2), lanes(b, s1, 32, 2));
            case PADDQ -> setDst(i, a + s0, b + s1);
            case PSUBB -> setDst(i, lanes(a, s0, 8, 3), lanes(b, s1, 8, 3));
            case PSUBW -> setDst(i, lanes(a, s0, 16, 3), lanes(b, s1, 16, 3));
            case PSUBD -> setDst(i, lanes(a, s0, 32, 3), lanes(b, s1, 32, 3));
            case PSUBQ -> setDst(i, a - s0, b - s1);
            case PMINUB -> setDst(i, lanes(a, s0, 8, 4), lanes(b, s1, 8, 4));
            case PMAXUB -> setDst(i, lanes(a, s0, 8, 5), lanes(b, s1, 8, 5));
            case PSUBUSB -> setDst(i, lanes(a, s0, 8, 6), lanes(b, s1, 8, 6));
            case PUNPCKLBW -> setDst(i, interleave(a, s0, 8), interleave(a >>> 32, s0 >>> 32, 8));
            case PUNPCKHBW -> setDst(i, interleave(b, s1, 8), interleave(b >>> 32, s1 >>> 32, 8));
            case PUNPCKLWD -> setDst(i, interleave(a, s0, 16), interleave(a >>> 32, s0 >>> 32, 16));
            case PUNPCKHWD -> setDst(i, interleave(b, s1, 16), interleave(b >>> 32, s1 >>> 32, 16));
            case PUNPCKLDQ -> setDst(i, (a & 0xFFFFFFFFL) | (s0 << 32), (a >>> 32) | (s0 & 0xFFFFFFFF00000000L));
            case PUNPCKHDQ -> setDst(i, (b & 0xFFFFFFFFL) | (s1 << 32), (b >>> 32) | (s1 & 0xFFFFFFFF00000000L));
            case PUNPCKLQDQ -> setDst(i, a, s0);
            case PUNPCKHQDQ -> setDst(i, b, s1);
            case PSHUFD -> {
                int sel = (int) i.imm;
                long lo = dword(s0, s1, sel & 3) | dword(s0, s1, (sel >> 2) & 3) << 32;
                long hi = dword(s0, s1, (sel >> 4) & 3) | dword(s0, s1, (sel >> 6) & 3) << 32;
                setDst(i, lo, hi);
            }
            case PSHUFB -> {
                long lo = 0;
                long hi = 0;
                for (int k = 0; k < 16; k++) {
                    int c = (int) (((k < 8 ? s0 : s1) >>> ((k & 7) * 8)) & 0xFF);
                    long v = (c & 0x80) != 0 ? 0 : byteAt(a, b, c & 15);
                    if (k < 8) {
                        lo |= v << (k * 8);
                    } else {
                        hi |= v << ((k - 8) * 8);
                    }
                }
                setDst(i, lo, hi);
            }
            case PALIGNR -> {
                int sh = (int) i.imm & 0xFF;
                long lo = 0;
                long hi = 0;
                for (int k = 0; k < 16; k++) {
                    int idx = k + sh; // bytes 0..15 from the source, 16..31 from the destination
                    long v = idx < 16 ? byteAt(s0, s1, idx) : idx < 32 ? byteAt(a, b, idx - 16) : 0;
                    if (k < 8) {
                        lo |= v << (k * 8);
                    } else {
                        hi |= v << ((k - 8) * 8);
                    }
                }
                setDst(i, lo, hi);
            }
            case PTEST -> {
                long f = 0;
                if ((a & s0) == 0 && (b & s1) == 0) {
                    f |= CpuState.ZF;
                }
                if ((~a & s0) == 0 && (~b & s1) == 0) {
                    f |= CpuState.CF;
                }
                cpu.materializeFlags();
                cpu.rflags = (cpu.rflags & ~CpuState.STATUS) | f;
            }
            default -> throw ud(i);
        }
    }

    private static long byteAt(long lo, long hi, int k) {
        return ((k < 8 ? lo : hi) >>> ((k & 7) * 8)) & 0xFF;
    }

    private static long dword(long lo, long hi, int k) {
        long q = k < 2 ? lo : hi;
        return (k & 1) == 0 ? q & 0xFFFFFFFFL : q >>> 32;
    }

    /** Interleaves the low 32 bits of a and b in lanes of the given width, a's lane first. */
    static long interleave(long a, long b, int width) {
        long m = (1L << width) - 1;
        long res = 0;
        int n = 32 / width;
        for (int k = 0; k < n; k++) {
            res |= ((a >>> (k * width)) & m) << (2 * k * width);
            res |= ((b >>> (k * width)) & m) << ((2 * k + 1) * width);
        }
        return res;
    }

    static long lanes(long a, long b, int width, int kind) {
        long m = (1L << width) - 1;
        long res = 0;
        for (int sh = 0; sh < 64; sh += width) {
            long x = (a >>> sh) & m;
            long y = (b >>> sh) & m;
            long v = switch (kind) {
                case 0 -> x == y ? m : 0;
                case 1 -> signExtend(x, width) > signExtend(y, width) ? m : 0;
                case 2 -> x + y;
                case 3 -> x - y;
                case 4 -> Math.min(x, y);
                case 5 -> Math.max(x, y);
                default -> Math.max(x - y, 0);
            };
            res |= (v & m) << sh;
        }
        return res;
    }

    private static long signExtend(long v, int width) {
        return (v << (64 - width)) >> (64 - width);
    }

    private void shiftImmediate(Instruction i, Op op, int t, int count) {
        int kind = i.reg & 7;
        long lo = x[t];
        long hi = x[t + 1];
        if (op == Op.PSHIFT_IMM_Q && (kind == 3 || kind == 7)) {
            int bytes = Math.min(count, 16);
            for (int k = 0; k < bytes; k++) {
                if (kind == 3) { // PSRLDQ
                    lo = (lo >>> 8) | (hi << 56);
                    hi >>>= 8;
                } else { // PSLLDQ
                    hi = (hi << 8) | (lo >>> 56);
                    lo <<= 8;
                }
            }
            x[t] = lo;
            x[t + 1] = hi;
            return;
        }
        int width = op == Op.PSHIFT_IMM_W ? 16 : op == Op.PSHIFT_IMM_D ? 32 : 64;
        x[t] = shiftLanes(lo, width, kind, count);
        x[t + 1] = shiftLanes(hi, width, kind, count);
    }

    static long shiftLanes(long v, int width, int kind, int count) {
        long m = width == 64 ? -1L : (1L << width) - 1;
        long res = 0;
        for (int sh = 0; sh < 64; sh += width) {
            long lane = (v >>> sh) & m;
            long out;
            if (kind == 2) { // logical right
                out = count >= width ? 0 : lane >>> count;
            } else if (kind == 6) { // left
                out = count >= width ? 0 : lane << count;
            } else { // arithmetic right
                out = signExtend(lane, width) >> Math.min(count, width - 1);
            }
            res |= (out & m) << sh;
        }
        return res;
    }
}
