package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * MMX: the no-prefix 0F forms on MM0..7, which are the x87 significands. Every MMX instruction sets TOP to
 * 0 and all tags valid, and a written register's exponent to all ones; EMMS empties the tags. Lane
 * arithmetic is shared with the SSE2 forms ({@link Sse}, {@link PackedInt}).
 */
final class Mmx {
    private final CpuState cpu;
    private final LinearMemory mem;
    private final Interpreter in;
    private final long[] mm;

    Mmx(CpuState cpu, LinearMemory mem, Interpreter in) {
        this.cpu = cpu;
        this.mem = mem;
        this.in = in;
        this.mm = cpu.fpMant;
    }

    /** Whether an instruction without a mandatory prefix is an MMX form handled here. */
    static boolean handles(Op op, int opcode) {
        return switch (op) {
            case PXOR, POR, PAND, PANDN -> opcode < 0x54 || opcode > 0x57;
            case PCMPEQB, PCMPEQW, PCMPEQD, PCMPGTB, PMOVMSKB, PUNPCKLBW, PUNPCKLWD, PUNPCKLDQ, PUNPCKHBW,
                 PUNPCKHWD, PUNPCKHDQ, PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ, PMINUB, PMAXUB,
                 PSUBUSB, PSHIFT_IMM_W, PSHIFT_IMM_D, PSHIFT_IMM_Q, SSE_INT, PINSRW, PEXTRW, MOVD_TO_X,
                 MOVD_FROM_X, MOVDQ_LOAD, MOVDQ_STORE, PSHUFD, EMMS -> true;
            default -> false;
        };
    }

    /** The x87-to-MMX transition every MMX instruction makes: TOP 0, all tags valid. */
    void enter() {
        cpu.fpTop = 0;
        cpu.fpTags = 0xFF;
        cpu.fsw &= ~0x3800;
    }

    void write(int reg, long v) {
        mm[reg] = v;
        cpu.fpExp[reg] = 0xFFFF;
    }

    long source(Instruction i, boolean half) {
        if (i.mod == 3) {
            return mm[i.rm & 7];
        }
        return half ? mem.read32(in.ea(i)) & 0xFFFFFFFFL : mem.read64(in.ea(i));
    }

    void execute(Instruction i) {
        int opcode = i.opcode & 0xFF;
        int d = i.reg & 7;
        switch (i.op) {
            case EMMS -> {
                cpu.fpTop = 0;
                cpu.fpTags = 0;
                return;
            }
            case MOVD_TO_X -> {
                long v = in.readE(i, i.opSize);
                enter();
                write(d, i.opSize == 8 ? v : v & 0xFFFFFFFFL);
                return;
            }
            case MOVD_FROM_X -> {
                enter();
                in.writeE(i, i.opSize, mm[d]);
                return;
            }
            case MOVDQ_LOAD -> {
                long v = source(i, false);
                enter();
                write(d, v);
                return;
            }
            case MOVDQ_STORE -> {
                enter();
                if (i.mod == 3) {
                    write(i.rm & 7, mm[d]);
                } else {
                    mem.write64(in.ea(i), mm[d]);
                }
                return;
            }
            case PMOVMSKB -> {
                if (i.mod != 3) {
                    throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
                }
                enter();
                long v = mm[i.rm & 7];
                int m = 0;
                for (int k = 0; k < 8; k++) {
                    m |= (int) ((v >>> (8 * k + 7)) & 1) << k;
                }
                cpu.regs[i.reg] = m;
                return;
            }
            case PEXTRW -> {
                if (i.mod != 3) {
                    throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
                }
                enter();
                cpu.regs[i.reg] = (mm[i.rm & 7] >>> (((int) i.imm & 3) * 16)) & 0xFFFF;
                return;
            }
            case PINSRW -> {
                long v = i.mod == 3 ? cpu.regs[i.rm] : mem.read16(in.ea(i));
                enter();
                int sh = ((int) i.imm & 3) * 16;
                write(d, (mm[d] & ~(0xFFFFL << sh)) | ((v & 0xFFFF) << sh));
                return;
            }
            case PSHIFT_IMM_W, PSHIFT_IMM_D, PSHIFT_IMM_Q -> {
                int kind = i.reg & 7;
                if (i.mod != 3 || (i.op == Op.PSHIFT_IMM_Q && (kind == 3 || kind == 7))) {
                    throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
                }
                enter();
                int width = i.op == Op.PSHIFT_IMM_W ? 16 : i.op == Op.PSHIFT_IMM_D ? 32 : 64;
                int r = i.rm & 7;
                write(r, Sse.shiftLanes(mm[r], width, kind, (int) i.imm & 0xFF));
                return;
            }
            default -> { }
        }
        boolean half = opcode >= 0x60 && opcode <= 0x62;
        long s = source(i, half);
        enter();
        long a = mm[d];
        long r = switch (i.op) {
            case PXOR -> a ^ s;
            case POR -> a | s;
            case PAND -> a & s;
            case PANDN -> ~a & s;
            case PCMPEQB -> Sse.lanes(a, s, 8, 0);
            case PCMPEQW -> Sse.lanes(a, s, 16, 0);
            case PCMPEQD -> Sse.lanes(a, s, 32, 0);
            case PCMPGTB -> Sse.lanes(a, s, 8, 1);
            case PADDB -> Sse.lanes(a, s, 8, 2);
            case PADDW -> Sse.lanes(a, s, 16, 2);
            case PADDD -> Sse.lanes(a, s, 32, 2);
            case PADDQ -> a + s;
            case PSUBB -> Sse.lanes(a, s, 8, 3);
            case PSUBW -> Sse.lanes(a, s, 16, 3);
            case PSUBD -> Sse.lanes(a, s, 32, 3);
            case PSUBQ -> a - s;
            case PMINUB -> Sse.lanes(a, s, 8, 4);
            case PMAXUB -> Sse.lanes(a, s, 8, 5);
            case PSUBUSB -> Sse.lanes(a, s, 8, 6);
            case PUNPCKLBW -> Sse.interleave(a, s, 8);
            case PUNPCKLWD -> Sse.interleave(a, s, 16);
            case PUNPCKLDQ -> (a & 0xFFFFFFFFL) | s << 32;
            case PUNPCKHBW -> Sse.interleave(a >>> 32, s >>> 32, 8);
            case PUNPCKHWD -> Sse.interleave(a >>> 32, s >>> 32, 16);
            case PUNPCKHDQ -> (a >>> 32) | (s & 0xFFFFFFFF00000000L);
            case PSHUFD -> { // PSHUFW
                int imm = (int) i.imm;
                long out = 0;
                for (int k = 0; k < 4; k++) {
                    out |= ((s >>> (16 * ((imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
                }
                yield out;
            }
            default -> PackedInt.quad(opcode, a, s);
        };
        write(d, r);
    }
}
