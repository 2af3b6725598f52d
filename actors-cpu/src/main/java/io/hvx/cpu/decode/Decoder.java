package io.hvx.cpu.decode;

/** Decodes x86 instructions (64-bit mode, or 32/16-bit code in system mode) into a caller-owned {@link Instruction}. */
public final class Decoder {
    /** Architectural limit on instruction length; longer forms raise #GP, reported here as UD. */
    public static final int MAX_LENGTH = 15;
    /** Code-segment modes, named by their default operand size in bytes: 64-bit (long) mode. */
    public static final int MODE_64 = 8;
    /** Protected mode or compatibility mode with a 32-bit code segment (CS.D = 1). */
    public static final int MODE_32 = 4;
    /** Real mode, or a 16-bit code segment. */
    public static final int MODE_16 = 2;

    private Decoder() {
    }

    /**
     * Decodes the instruction at {@code address}. An undefined or over-long encoding yields
     * {@link Op#UD} with the length consumed so far, so that the caller raises #UD at that address.
     */
    public static void decode(ByteSource src, long address, Instruction out) {
        decode(src, address, out, MODE_64);
    }

    /** Decodes as {@link #decode(ByteSource, long, Instruction)} does, for code of the given mode ({@code MODE_*}). */
    public static void decode(ByteSource src, long address, Instruction out, int mode) {
        out.address = address;
        out.prefixes = 0;
        out.segment = Instruction.SEG_NONE;
        out.rex = 0;
        out.mod = 3;
        out.reg = 0;
        out.rm = 0;
        out.base = -1;
        out.index = -1;
        out.scale = 0;
        out.disp = 0;
        out.ripRelative = false;
        out.imm = 0;
        out.vex = false;
        out.vvvv = 0;
        out.vexL = 0;
        out.vexPp = 0;
        out.form = 0;
        long p = address;
        int b;
        // legacy prefixes in any order; a REX counts only directly before the opcode
        while (true) {
            if (p - address >= MAX_LENGTH) {
                undefined(out, p);
                return;
            }
            b = src.fetch(p);
            if (isLegacyPrefix(b)) {
                out.rex = 0;
                switch (b) {
                    case 0xF0 -> out.prefixes |= Instruction.P_LOCK;
                    case 0xF2 -> out.prefixes = (out.prefixes & ~Instruction.P_REP) | Instruction.P_REPNE;
                    case 0xF3 -> out.prefixes = (out.prefixes & ~Instruction.P_REPNE) | Instruction.P_REP;
                    case 0x66 -> out.prefixes |= Instruction.P_OPSIZE;
                    case 0x67 -> out.prefixes |= Instruction.P_ADDRSIZE;
                    case 0x64 -> out.segment = Instruction.SEG_FS;
                    case 0x65 -> out.segment = Instruction.SEG_GS;
                    default -> {
                        if (mode != MODE_64) { // ES/CS/SS/DS overrides are ignored in 64-bit mode
                            out.segment = b == 0x26 ? Instruction.SEG_ES : b == 0x2E ? Instruction.SEG_CS
                                    : b == 0x36 ? Instruction.SEG_SS : Instruction.SEG_DS;
                        }
                    }
                }
                p++;
                continue;
            }
            if ((b & 0xF0) == 0x40 && mode == MODE_64) {
                out.rex = b;
                p++;
                continue;
            }
            break;
        }
        int map = OpcodeTable.MAP_0;
        p++;
        if ((b == 0xC4 || b == 0xC5) && (mode == MODE_64 || (src.fetch(p) & 0xC0) == 0xC0)) {
            // VEX; outside 64-bit mode C4/C5 with a memory ModRM are LES/LDS. 66, F2, F3, LOCK or REX before it: #UD
            if ((out.prefixes & (Instruction.P_LOCK | Instruction.P_REP | Instruction.P_REPNE | Instruction.P_OPSIZE)) != 0
                    || out.rex != 0) {
                undefined(out, p);
                return;
            }
            int b1 = src.fetch(p++);
            int mmmmm = 1;
            int w = 0;
            int tail = b1; // the byte holding vvvv, L and pp
            if (b == 0xC4) {
                mmmmm = b1 & 0x1F;
                tail = src.fetch(p++);
                w = tail >>> 7;
                out.rex = 0x40 | w << 3 | (~b1 >>> 5 & 7);
            } else {
                out.rex = 0x40 | (~b1 >>> 5 & 4);
            }
            if (mode != MODE_64) {
                out.rex &= 0x48; // VEX.R, X and B are ignored outside 64-bit mode
            }
            out.vex = true;
            out.vvvv = ~tail >>> 3 & (mode == MODE_64 ? 15 : 7);
            out.vexL = tail >>> 2 & 1;
            out.vexPp = tail & 3;
            b = src.fetch(p++);
            if (mmmmm == 2) {
                map = OpcodeTable.MAP_VEX_0F38;
            } else if (mmmmm == 3) {
                map = OpcodeTable.MAP_VEX_0F3A;
            } else {
                undefined(out, p); // the VEX 0F map holds only AVX forms
                return;
            }
        } else if (b == 0x0F) {
            b = src.fetch(p++);
            map = OpcodeTable.MAP_0F;
            if (b == 0x38) {
                map = OpcodeTable.MAP_0F38;
                b = src.fetch(p++);
            } else if (b == 0x3A) {
                map = OpcodeTable.MAP_0F3A;
                b = src.fetch(p++);
            }
        }
        int index = map * 256 + b;
        out.opcode = index;
        Op op = OpcodeTable.op(index);
        int shape = OpcodeTable.shape(index);
        int flags = OpcodeTable.flags(index);
        if (op == Op.UD || ((flags & OpcodeTable.LEGACY) != 0 && mode == MODE_64)) {
            undefined(out, p);
            return;
        }
        if (map == OpcodeTable.MAP_0F38 && (b & 0xFE) == 0xF0 && (out.prefixes & Instruction.P_REPNE) != 0) {
            op = Op.CRC32; // F2 0F 38 F0/F1; its source may be a register, unlike MOVBE's
            flags &= ~OpcodeTable.MEM_ONLY;
        }
        boolean rexW = (out.rex & 8) != 0;
        boolean addr67 = (out.prefixes & Instruction.P_ADDRSIZE) != 0;
        if (mode == MODE_64) {
            out.addrSize = addr67 ? 4 : 8;
        } else {
            out.addrSize = (mode == MODE_32) != addr67 ? 4 : 2;
        }
        if ((flags & OpcodeTable.MODRM) != 0) {
            int modrm = src.fetch(p++);
            out.mod = modrm >>> 6;
            out.reg = ((modrm >>> 3) & 7) | ((out.rex & 4) << 1);
            int rm = modrm & 7;
            if (out.mod == 3) {
                out.rm = rm | ((out.rex & 1) << 3);
            } else if (out.addrSize == 2) {
                p = decodeMemory16(src, p, rm, out);
            } else {
                p = decodeMemory(src, p, rm, out, mode == MODE_64);
            }
            if ((flags & OpcodeTable.GROUP) != 0) {
                int r = (modrm >>> 3) & 7;
                op = OpcodeTable.groupOp(index, r);
                shape = OpcodeTable.groupShape(index, r);
                flags = (flags & ~OpcodeTable.GROUP) | OpcodeTable.groupFlags(index, r);
                if (op == Op.UD) {
                    undefined(out, p);
                    return;
                }
            }
            if ((flags & OpcodeTable.MEM_ONLY) != 0 && out.mod == 3) {
                undefined(out, p);
                return;
            }
        } else if ((flags & OpcodeTable.OPREG) != 0) {
            out.rm = (b & 7) | ((out.rex & 1) << 3);
            if (b == 0x90 && map == OpcodeTable.MAP_0 && out.rm == 0) {
                // XCHG eAX,eAX is NOP (it does not zero-extend); F3 90 is PAUSE
                op = (out.prefixes & Instruction.P_REP) != 0 ? Op.PAUSE : Op.NOP;
            }
        }
        // F3 0F B8/BC/BD select POPCNT/TZCNT/LZCNT; without F3, B8 is JMPE (not in 64-bit mode)
        if (map == OpcodeTable.MAP_0F) {
            boolean rep = (out.prefixes & Instruction.P_REP) != 0;
            if (b == 0xB8 && !rep) {
                undefined(out, p);
                return;
            }
        }
        int opSize;
        if ((flags & OpcodeTable.BYTE) != 0) {
            opSize = 1;
        } else if (out.vex) {
            opSize = rexW && mode == MODE_64 ? 8 : 4; // VEX general-register forms: 32 bits, 64 with W in long mode
        } else if (mode != MODE_64) {
            opSize = ((out.prefixes & Instruction.P_OPSIZE) != 0 && (flags & OpcodeTable.NO66) == 0) != (mode == MODE_16)
                    ? 2 : 4;
        } else if (rexW) {
            opSize = 8;
        } else if ((flags & OpcodeTable.F64) != 0) {
            opSize = 8;
        } else if ((out.prefixes & Instruction.P_OPSIZE) != 0 && (flags & OpcodeTable.NO66) == 0) {
            opSize = 2;
        } else if ((flags & OpcodeTable.D64) != 0) {
            opSize = 8;
        } else {
            opSize = 4;
        }
        out.opSize = opSize;
        if ((flags & OpcodeTable.IMM8) != 0) {
            int v = src.fetch(p++);
            out.imm = (flags & OpcodeTable.UIMM) != 0 ? v : (byte) v;
        } else if ((flags & OpcodeTable.IMMZ) != 0) {
            if (opSize == 2) {
                out.imm = (short) (src.fetch(p) | src.fetch(p + 1) << 8);
                p += 2;
            } else {
                out.imm = fetch32(src, p);
                p += 4;
            }
        } else if ((flags & OpcodeTable.IMMV) != 0) {
            if (opSize == 8) {
                out.imm = (fetch32(src, p) & 0xFFFFFFFFL) | ((long) fetch32(src, p + 4) << 32);
                p += 8;
            } else if (opSize == 2) {
                out.imm = src.fetch(p) | src.fetch(p + 1) << 8;
                p += 2;
            } else {
                out.imm = fetch32(src, p) & 0xFFFFFFFFL;
                p += 4;
            }
        } else if ((flags & OpcodeTable.IMM16) != 0) {
            out.imm = src.fetch(p) | src.fetch(p + 1) << 8;
            p += 2;
        } else if ((flags & OpcodeTable.MOFFS) != 0) {
            if (out.addrSize == 2) {
                out.imm = src.fetch(p) | src.fetch(p + 1) << 8;
                p += 2;
            } else if (out.addrSize == 8) {
                out.imm = (fetch32(src, p) & 0xFFFFFFFFL) | ((long) fetch32(src, p + 4) << 32);
                p += 8;
            } else {
                out.imm = fetch32(src, p) & 0xFFFFFFFFL;
                p += 4;
            }
        }
        if ((flags & OpcodeTable.FARPTR) != 0) {
            if (opSize == 2) {
                out.imm &= 0xFFFF;
            } else {
                out.imm &= 0xFFFFFFFFL;
            }
            out.disp = src.fetch(p) | src.fetch(p + 1) << 8;
            p += 2;
        }
        if (mode != MODE_64 && out.segment == Instruction.SEG_NONE) {
            // legacy modes address through a segment: SS for stack-based operands, DS otherwise
            out.segment = out.mod != 3 && (out.base == 4 || out.base == 5) ? Instruction.SEG_SS : Instruction.SEG_DS;
        }
        if (p - address > MAX_LENGTH) {
            undefined(out, p);
            return;
        }
        out.op = op;
        out.shape = shape;
        out.flags = flags;
        out.length = (int) (p - address);
    }

    private static long decodeMemory(ByteSource src, long p, int rm, Instruction out, boolean longMode) {
        int rexB = (out.rex & 1) << 3;
        if (rm == 4) {
            int sib = src.fetch(p++);
            out.scale = sib >>> 6;
            int idx = ((sib >>> 3) & 7) | ((out.rex & 2) << 2);
            out.index = idx == 4 ? -1 : idx;
            int base = sib & 7;
            if (base == 5 && out.mod == 0) {
                out.base = -1;
                out.disp = fetch32(src, p);
                return p + 4;
            }
            out.base = base | rexB;
        } else if (rm == 5 && out.mod == 0) {
            // RIP-relative only in 64-bit mode; 32-bit code addresses disp32 absolutely
            out.ripRelative = longMode;
            out.base = -1;
            out.disp = fetch32(src, p);
            return p + 4;
        } else {
            out.base = rm | rexB;
        }
        if (out.mod == 1) {
            out.disp = (byte) src.fetch(p);
            return p + 1;
        }
        if (out.mod == 2) {
            out.disp = fetch32(src, p);
            return p + 4;
        }
        return p;
    }

    private static final int[] BASE16 = {3, 3, 5, 5, 6, 7, 5, 3};
    private static final int[] INDEX16 = {6, 7, 6, 7, -1, -1, -1, -1};

    /** 16-bit addressing: BX/BP plus SI/DI; the effective address wraps at 64 KiB (see Interpreter.ea). */
    private static long decodeMemory16(ByteSource src, long p, int rm, Instruction out) {
        if (rm == 6 && out.mod == 0) {
            out.disp = src.fetch(p) | src.fetch(p + 1) << 8;
            return p + 2;
        }
        out.base = BASE16[rm];
        out.index = INDEX16[rm];
        if (out.mod == 1) {
            out.disp = (byte) src.fetch(p);
            return p + 1;
        }
        if (out.mod == 2) {
            out.disp = (short) (src.fetch(p) | src.fetch(p + 1) << 8);
            return p + 2;
        }
        return p;
    }

    private static int fetch32(ByteSource src, long p) {
        return src.fetch(p) | src.fetch(p + 1) << 8 | src.fetch(p + 2) << 16 | src.fetch(p + 3) << 24;
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x64, 0x65, 0x26, 0x2E, 0x36, 0x3E -> true;
            default -> false;
        };
    }

    private static void undefined(Instruction out, long p) {
        out.op = Op.UD;
        out.shape = Shape.NONE;
        out.flags = 0;
        out.length = (int) Math.min(p - out.address + 1, MAX_LENGTH);
    }
}
