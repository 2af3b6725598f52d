package io.hvx.cpu.decode;

/**
 * The instruction definitions as data: for each map and opcode byte (and ModRM.reg for groups) the
 * operation, its operand shape and its encoding attributes.
 */
public final class OpcodeTable {
    /** Operand is a byte. */
    public static final int BYTE = 1;
    /** A ModRM byte follows the opcode. */
    public static final int MODRM = 1 << 1;
    /** An 8-bit immediate follows. */
    public static final int IMM8 = 1 << 2;
    /** A 16- or 32-bit immediate follows (by operand size), sign-extended to 64 bits. */
    public static final int IMMZ = 1 << 3;
    /** A 16-, 32- or 64-bit immediate follows (MOV r, imm64). */
    public static final int IMMV = 1 << 4;
    /** A 16-bit immediate follows. */
    public static final int IMM16 = 1 << 5;
    /** Operand size defaults to 64 bits in long mode (PUSH, POP, near branches). */
    public static final int D64 = 1 << 6;
    /** Operand size is always 64 bits in long mode (CALL/JMP through r/m, near Jcc). */
    public static final int F64 = 1 << 7;
    /** The operation comes from the group table, indexed by ModRM.reg. */
    public static final int GROUP = 1 << 8;
    /** The register comes from the low three opcode bits (plus REX.B). */
    public static final int OPREG = 1 << 9;
    /** The immediate is an absolute address as wide as the address size (MOV moffs). */
    public static final int MOFFS = 1 << 10;
    /** Only a memory operand is valid (mod != 3). */
    public static final int MEM_ONLY = 1 << 11;
    /** The operand size is 32 bits unless REX.W (SSE MOVD/MOVQ, VEX GPR forms); 66 does not shrink it. */
    public static final int NO66 = 1 << 12;
    /** The 8-bit immediate is unsigned (shift counts, selectors), not sign-extended. */
    public static final int UIMM = 1 << 13;
    /** Encoded with a VEX prefix only. */
    public static final int VEX = 1 << 14;
    /** Exists only outside 64-bit mode (#UD there). */
    public static final int LEGACY = 1 << 15;
    /** A far pointer immediate: an offset as wide as the operand size, then a 16-bit selector in {@code disp}. */
    public static final int FARPTR = 1 << 16;

    static final int MAPS = 6;
    /** Map index of the one-byte opcodes. */
    public static final int MAP_0 = 0;
    /** Map index of 0F xx. */
    public static final int MAP_0F = 1;
    /** Map index of 0F 38 xx. */
    public static final int MAP_0F38 = 2;
    /** Map index of 0F 3A xx. */
    public static final int MAP_0F3A = 3;
    /** Map index of VEX-encoded 0F 38 xx (VEX.mmmmm = 2). */
    public static final int MAP_VEX_0F38 = 4;
    /** Map index of VEX-encoded 0F 3A xx (VEX.mmmmm = 3). */
    public static final int MAP_VEX_0F3A = 5;

    private static final Op[] OPS = new Op[MAPS * 256];
    private static final int[] SHAPES = new int[MAPS * 256];
    private static final int[] FLAGS = new int[MAPS * 256];
    private static final Op[] GROUP_OPS = new Op[MAPS * 256 * 8];
    private static final int[] GROUP_SHAPES = new int[MAPS * 256 * 8];
    private static final int[] GROUP_FLAGS = new int[MAPS * 256 * 8];

    private OpcodeTable() {
    }

    static Op op(int index) {
        return OPS[index];
    }

    static int shape(int index) {
        return SHAPES[index];
    }

    static int flags(int index) {
        return FLAGS[index];
    }

    static Op groupOp(int index, int reg) {
        return GROUP_OPS[index * 8 + reg];
    }

    static int groupShape(int index, int reg) {
        return GROUP_SHAPES[index * 8 + reg];
    }

    static int groupFlags(int index, int reg) {
        return GROUP_FLAGS[index * 8 + reg];
    }

    /** Whether the table defines the opcode (for the coverage report). */
    public static boolean defined(int map, int opcode) {
        return OPS[map * 256 + opcode] != Op.UD;
    }

    private static void def(int map, int opcode, Op op, int shape, int flags) {
        OPS[map * 256 + opcode] = op;
        SHAPES[map * 256 + opcode] = shape;
        FLAGS[map * 256 + opcode] = flags;
    }

    private static void group(int map, int opcode, int flags, Object... regs) {
        def(map, opcode, Op.NOP, Shape.NONE, flags | GROUP | MODRM);
        for (int i = 0; i < regs.length; i += 3) {
            int reg = (Integer) regs[i];
            int at = (map * 256 + opcode) * 8 + reg;
            GROUP_OPS[at] = (Op) regs[i + 1];
            int[] shapeAndFlags = (int[]) regs[i + 2];
            GROUP_SHAPES[at] = shapeAndFlags[0];
            GROUP_FLAGS[at] = shapeAndFlags.length > 1 ? shapeAndFlags[1] : 0;
        }
    }

    private static int[] s(int shape, int... flags) {
        int f = 0;
        for (int x : flags) {
            f |= x;
        }
        return new int[] {shape, f};
    }

    static {
        java.util.Arrays.fill(OPS, Op.UD);
        java.util.Arrays.fill(GROUP_OPS, Op.UD);
        Op[] alu = {Op.ADD, Op.OR, Op.ADC, Op.SBB, Op.AND, Op.SUB, Op.XOR, Op.CMP};
        for (int i = 0; i < 8; i++) {
            int b = i * 8;
            def(MAP_0, b, alu[i], Shape.E_G, BYTE | MODRM);
            def(MAP_0, b + 1, alu[i], Shape.E_G, MODRM);
            def(MAP_0, b + 2, alu[i], Shape.G_E, BYTE | MODRM);
            def(MAP_0, b + 3, alu[i], Shape.G_E, MODRM);
            def(MAP_0, b + 4, alu[i], Shape.A_I, BYTE | IMM8);
            def(MAP_0, b + 5, alu[i], Shape.A_I, IMMZ);
        }
        for (int r = 0; r < 8; r++) {
            def(MAP_0, 0x50 + r, Op.PUSH, Shape.E, D64 | OPREG);
            def(MAP_0, 0x58 + r, Op.POP, Shape.E, D64 | OPREG);
            def(MAP_0, 0x90 + r, Op.XCHG, Shape.E_A, OPREG);
            def(MAP_0, 0xB0 + r, Op.MOV, Shape.E_I, BYTE | OPREG | IMM8);
            def(MAP_0, 0xB8 + r, Op.MOV, Shape.E_I, OPREG | IMMV);
            def(MAP_0F, 0xC8 + r, Op.BSWAP, Shape.E, OPREG);
        }
        def(MAP_0, 0x63, Op.MOVSXD, Shape.G_E, MODRM);
        def(MAP_0, 0x68, Op.PUSH, Shape.E_I, D64 | IMMZ);
        def(MAP_0, 0x69, Op.IMUL, Shape.G_E_I, MODRM | IMMZ);
        def(MAP_0, 0x6A, Op.PUSH, Shape.E_I, D64 | IMM8);
        def(MAP_0, 0x6B, Op.IMUL, Shape.G_E_I, MODRM | IMM8);
        for (int cc = 0; cc < 16; cc++) {
            def(MAP_0, 0x70 + cc, Op.JCC, Shape.REL, F64 | IMM8);
            def(MAP_0F, 0x80 + cc, Op.JCC, Shape.REL, F64 | IMMZ);
            def(MAP_0F, 0x40 + cc, Op.CMOVCC, Shape.G_E, MODRM);
            def(MAP_0F, 0x90 + cc, Op.SETCC, Shape.E, MODRM | BYTE);
        }
        int[] eIb = s(Shape.E_I, IMM8);
        int[] eIz = s(Shape.E_I, IMMZ);
        group(MAP_0, 0x80, BYTE, 0, Op.ADD, eIb, 1, Op.OR, eIb, 2, Op.ADC, eIb, 3, Op.SBB, eIb,
                4, Op.AND, eIb, 5, Op.SUB, eIb, 6, Op.XOR, eIb, 7, Op.CMP, eIb);
        group(MAP_0, 0x81, 0, 0, Op.ADD, eIz, 1, Op.OR, eIz, 2, Op.ADC, eIz, 3, Op.SBB, eIz,
                4, Op.AND, eIz, 5, Op.SUB, eIz, 6, Op.XOR, eIz, 7, Op.CMP, eIz);
        group(MAP_0, 0x83, 0, 0, Op.ADD, eIb, 1, Op.OR, eIb, 2, Op.ADC, eIb, 3, Op.SBB, eIb,
                4, Op.AND, eIb, 5, Op.SUB, eIb, 6, Op.XOR, eIb, 7, Op.CMP, eIb);
        def(MAP_0, 0x84, Op.TEST, Shape.E_G, BYTE | MODRM);
        def(MAP_0, 0x85, Op.TEST, Shape.E_G, MODRM);
        def(MAP_0, 0x86, Op.XCHG, Shape.E_G, BYTE | MODRM);
        def(MAP_0, 0x87, Op.XCHG, Shape.E_G, MODRM);
        def(MAP_0, 0x88, Op.MOV, Shape.E_G, BYTE | MODRM);
        def(MAP_0, 0x89, Op.MOV, Shape.E_G, MODRM);
        def(MAP_0, 0x8A, Op.MOV, Shape.G_E, BYTE | MODRM);
        def(MAP_0, 0x8B, Op.MOV, Shape.G_E, MODRM);
        def(MAP_0, 0x8D, Op.LEA, Shape.G_E, MODRM | MEM_ONLY);
        group(MAP_0, 0x8F, D64, 0, Op.POP, s(Shape.E));
        def(MAP_0, 0x98, Op.CBW, Shape.NONE, 0);
        def(MAP_0, 0x99, Op.CWD, Shape.NONE, 0);
        def(MAP_0, 0x9C, Op.PUSHF, Shape.NONE, D64);
        def(MAP_0, 0x9D, Op.POPF, Shape.NONE, D64);
        def(MAP_0, 0x9E, Op.SAHF, Shape.NONE, 0);
        def(MAP_0, 0x9F, Op.LAHF, Shape.NONE, 0);
        def(MAP_0, 0xA0, Op.MOV_MOFFS_LOAD, Shape.NONE, BYTE | MOFFS);
        def(MAP_0, 0xA1, Op.MOV_MOFFS_LOAD, Shape.NONE, MOFFS);
        def(MAP_0, 0xA2, Op.MOV_MOFFS_STORE, Shape.NONE, BYTE | MOFFS);
        def(MAP_0, 0xA3, Op.MOV_MOFFS_STORE, Shape.NONE, MOFFS);
        def(MAP_0, 0xA4, Op.MOVS, Shape.NONE, BYTE);
        def(MAP_0, 0xA5, Op.MOVS, Shape.NONE, 0);
        def(MAP_0, 0xA6, Op.CMPS, Shape.NONE, BYTE);
        def(MAP_0, 0xA7, Op.CMPS, Shape.NONE, 0);
        def(MAP_0, 0xA8, Op.TEST, Shape.A_I, BYTE | IMM8);
        def(MAP_0, 0xA9, Op.TEST, Shape.A_I, IMMZ);
        def(MAP_0, 0xAA, Op.STOS, Shape.NONE, BYTE);
        def(MAP_0, 0xAB, Op.STOS, Shape.NONE, 0);
        def(MAP_0, 0xAC, Op.LODS, Shape.NONE, BYTE);
        def(MAP_0, 0xAD, Op.LODS, Shape.NONE, 0);
        def(MAP_0, 0xAE, Op.SCAS, Shape.NONE, BYTE);
        def(MAP_0, 0xAF, Op.SCAS, Shape.NONE, 0);
        Op[] shifts = {Op.ROL, Op.ROR, Op.RCL, Op.RCR, Op.SHL, Op.SHR, Op.SHL, Op.SAR};
        int[][] shiftOpcodes = {{0xC0, BYTE, Shape.E_I}, {0xC1, 0, Shape.E_I}, {0xD0, BYTE, Shape.E_1},
                {0xD1, 0, Shape.E_1}, {0xD2, BYTE, Shape.E_CL}, {0xD3, 0, Shape.E_CL}};
        for (int[] so : shiftOpcodes) {
            Object[] regs = new Object[24];
            for (int r = 0; r < 8; r++) {
                regs[r * 3] = r;
                regs[r * 3 + 1] = shifts[r];
                regs[r * 3 + 2] = so[2] == Shape.E_I ? s(Shape.E_I, IMM8 | UIMM) : s(so[2]);
            }
            group(MAP_0, so[0], so[1], regs);
        }
        def(MAP_0, 0xC2, Op.RET_IMM, Shape.NONE, F64 | IMM16);
        def(MAP_0, 0xC3, Op.RET, Shape.NONE, F64);
        group(MAP_0, 0xC6, BYTE, 0, Op.MOV, s(Shape.E_I, IMM8));
        group(MAP_0, 0xC7, 0, 0, Op.MOV, s(Shape.E_I, IMMZ));
        def(MAP_0, 0xC9, Op.LEAVE, Shape.NONE, D64);
        def(MAP_0, 0xCC, Op.INT3, Shape.NONE, 0);
        def(MAP_0, 0xE0, Op.LOOPNE, Shape.REL, F64 | IMM8);
        def(MAP_0, 0xE1, Op.LOOPE, Shape.REL, F64 | IMM8);
        def(MAP_0, 0xE2, Op.LOOP, Shape.REL, F64 | IMM8);
        def(MAP_0, 0xE3, Op.JRCXZ, Shape.REL, F64 | IMM8);
        def(MAP_0, 0xE8, Op.CALL, Shape.REL, F64 | IMMZ);
        def(MAP_0, 0xE9, Op.JMP, Shape.REL, F64 | IMMZ);
        def(MAP_0, 0xEB, Op.JMP, Shape.REL, F64 | IMM8);
        def(MAP_0, 0xF4, Op.HLT, Shape.NONE, 0);
        for (int op = 0xD8; op <= 0xDF; op++) {
            def(MAP_0, op, Op.X87, Shape.E, MODRM);
        }
        def(MAP_0, 0x9B, Op.FWAIT, Shape.NONE, 0);
        def(MAP_0, 0xF5, Op.CMC, Shape.NONE, 0);
        int[] e = s(Shape.E);
        group(MAP_0, 0xF6, BYTE, 0, Op.TEST, eIb, 1, Op.TEST, eIb, 2, Op.NOT, e, 3, Op.NEG, e,
                4, Op.MUL, e, 5, Op.IMUL1, e, 6, Op.DIV, e, 7, Op.IDIV, e);
        group(MAP_0, 0xF7, 0, 0, Op.TEST, eIz, 1, Op.TEST, eIz, 2, Op.NOT, e, 3, Op.NEG, e,
                4, Op.MUL, e, 5, Op.IMUL1, e, 6, Op.DIV, e, 7, Op.IDIV, e);
        def(MAP_0, 0xF8, Op.CLC, Shape.NONE, 0);
        def(MAP_0, 0xF9, Op.STC, Shape.NONE, 0);
        def(MAP_0, 0xFC, Op.CLD, Shape.NONE, 0);
        def(MAP_0, 0xFD, Op.STD, Shape.NONE, 0);
        group(MAP_0, 0xFE, BYTE, 0, Op.INC, e, 1, Op.DEC, e);
        group(MAP_0, 0xFF, 0, 0, Op.INC, e, 1, Op.DEC, e, 2, Op.CALL_E, s(Shape.E, F64),
                4, Op.JMP_E, s(Shape.E, F64), 6, Op.PUSH, s(Shape.E, D64));

        // two-byte map
        def(MAP_0F, 0x05, Op.SYSCALL, Shape.NONE, 0);
        def(MAP_0F, 0x0B, Op.UD2, Shape.NONE, 0);
        def(MAP_0F, 0x0D, Op.PREFETCH, Shape.E, MODRM | MEM_ONLY);
        for (int op = 0x18; op <= 0x1F; op++) {
            def(MAP_0F, op, Op.NOP, Shape.E, MODRM);
        }
        def(MAP_0F, 0x31, Op.RDTSC, Shape.NONE, 0);
        def(MAP_0F, 0xA2, Op.CPUID, Shape.NONE, 0);
        def(MAP_0F, 0xA3, Op.BT, Shape.E_G, MODRM);
        def(MAP_0F, 0xA4, Op.SHLD, Shape.E_G_I, MODRM | IMM8 | UIMM);
        def(MAP_0F, 0xA5, Op.SHLD, Shape.E_G_CL, MODRM);
        def(MAP_0F, 0xAB, Op.BTS, Shape.E_G, MODRM);
        def(MAP_0F, 0xAC, Op.SHRD, Shape.E_G_I, MODRM | IMM8 | UIMM);
        def(MAP_0F, 0xAD, Op.SHRD, Shape.E_G_CL, MODRM);
        group(MAP_0F, 0xAE, 0, 0, Op.FXSAVE, s(Shape.E, MEM_ONLY), 1, Op.FXRSTOR, s(Shape.E, MEM_ONLY),
                2, Op.LDMXCSR, s(Shape.E, MEM_ONLY), 3, Op.STMXCSR, s(Shape.E, MEM_ONLY),
                5, Op.FENCE, s(Shape.NONE), 6, Op.FENCE, s(Shape.NONE), 7, Op.FENCE, s(Shape.NONE));
        def(MAP_0F, 0xAF, Op.IMUL, Shape.G_E, MODRM);
        def(MAP_0F, 0xB0, Op.CMPXCHG, Shape.E_G, BYTE | MODRM);
        def(MAP_0F, 0xB1, Op.CMPXCHG, Shape.E_G, MODRM);
        def(MAP_0F, 0xB3, Op.BTR, Shape.E_G, MODRM);
        def(MAP_0F, 0xB6, Op.MOVZX, Shape.G_E, MODRM);
        def(MAP_0F, 0xB7, Op.MOVZX, Shape.G_E, MODRM);
        def(MAP_0F, 0xB8, Op.POPCNT, Shape.G_E, MODRM);
        int[] eIbU = s(Shape.E_I, IMM8 | UIMM);
        group(MAP_0F, 0xBA, 0, 4, Op.BT, eIbU, 5, Op.BTS, eIbU, 6, Op.BTR, eIbU, 7, Op.BTC, eIbU);
        def(MAP_0F, 0xBB, Op.BTC, Shape.E_G, MODRM);
        def(MAP_0F, 0xBC, Op.BSF, Shape.G_E, MODRM);
        def(MAP_0F, 0xBD, Op.BSR, Shape.G_E, MODRM);
        def(MAP_0F, 0xBE, Op.MOVSX, Shape.G_E, MODRM);
        def(MAP_0F, 0xBF, Op.MOVSX, Shape.G_E, MODRM);
        def(MAP_0F, 0xC0, Op.XADD, Shape.E_G, BYTE | MODRM);
        def(MAP_0F, 0xC1, Op.XADD, Shape.E_G, MODRM);
        group(MAP_0F, 0xC7, 0, 1, Op.CMPXCHG8B, s(Shape.E, MEM_ONLY), 6, Op.RDRAND, s(Shape.E));

        // SSE/SSE2 (mandatory prefixes are resolved by the interpreter from Instruction.prefixes)
        def(MAP_0F, 0x10, Op.MOVUPS_LOAD, Shape.G_E, MODRM);
        def(MAP_0F, 0x11, Op.MOVUPS_STORE, Shape.E_G, MODRM);
        def(MAP_0F, 0x12, Op.MOVHLPS_LOAD, Shape.G_E, MODRM);
        def(MAP_0F, 0x13, Op.MOVLPD_STORE, Shape.E_G, MODRM | MEM_ONLY);
        def(MAP_0F, 0x16, Op.MOVHPD_LOAD, Shape.G_E, MODRM);
        def(MAP_0F, 0x17, Op.MOVHPD_STORE, Shape.E_G, MODRM | MEM_ONLY);
        def(MAP_0F, 0x28, Op.MOVAPS_LOAD, Shape.G_E, MODRM);
        def(MAP_0F, 0x29, Op.MOVAPS_STORE, Shape.E_G, MODRM);
        def(MAP_0F, 0x57, Op.PXOR, Shape.G_E, MODRM);
        def(MAP_0F, 0x54, Op.PAND, Shape.G_E, MODRM);
        def(MAP_0F, 0x55, Op.PANDN, Shape.G_E, MODRM);
        def(MAP_0F, 0x56, Op.POR, Shape.G_E, MODRM);
        def(MAP_0F, 0x60, Op.PUNPCKLBW, Shape.G_E, MODRM);
        def(MAP_0F, 0x61, Op.PUNPCKLWD, Shape.G_E, MODRM);
        def(MAP_0F, 0x62, Op.PUNPCKLDQ, Shape.G_E, MODRM);
        def(MAP_0F, 0x64, Op.PCMPGTB, Shape.G_E, MODRM);
        def(MAP_0F, 0x68, Op.PUNPCKHBW, Shape.G_E, MODRM);
        def(MAP_0F, 0x69, Op.PUNPCKHWD, Shape.G_E, MODRM);
        def(MAP_0F, 0x6A, Op.PUNPCKHDQ, Shape.G_E, MODRM);
        def(MAP_0F, 0x6C, Op.PUNPCKLQDQ, Shape.G_E, MODRM);
        def(MAP_0F, 0x6D, Op.PUNPCKHQDQ, Shape.G_E, MODRM);
        def(MAP_0F, 0x6E, Op.MOVD_TO_X, Shape.G_E, MODRM | NO66);
        def(MAP_0F, 0x6F, Op.MOVDQ_LOAD, Shape.G_E, MODRM);
        def(MAP_0F, 0x70, Op.PSHUFD, Shape.G_E_I, MODRM | IMM8 | UIMM);
        group(MAP_0F, 0x71, UIMM, 2, Op.PSHIFT_IMM_W, s(Shape.E_I, IMM8 | UIMM), 4, Op.PSHIFT_IMM_W,
                s(Shape.E_I, IMM8 | UIMM), 6, Op.PSHIFT_IMM_W, s(Shape.E_I, IMM8 | UIMM));
        group(MAP_0F, 0x72, UIMM, 2, Op.PSHIFT_IMM_D, s(Shape.E_I, IMM8 | UIMM), 4, Op.PSHIFT_IMM_D,
                s(Shape.E_I, IMM8 | UIMM), 6, Op.PSHIFT_IMM_D, s(Shape.E_I, IMM8 | UIMM));
        group(MAP_0F, 0x73, UIMM, 2, Op.PSHIFT_IMM_Q, s(Shape.E_I, IMM8 | UIMM), 3, Op.PSHIFT_IMM_Q,
                s(Shape.E_I, IMM8 | UIMM), 6, Op.PSHIFT_IMM_Q, s(Shape.E_I, IMM8 | UIMM), 7, Op.PSHIFT_IMM_Q,
                s(Shape.E_I, IMM8 | UIMM));
        def(MAP_0F, 0x74, Op.PCMPEQB, Shape.G_E, MODRM);
        def(MAP_0F, 0x75, Op.PCMPEQW, Shape.G_E, MODRM);
        def(MAP_0F, 0x76, Op.PCMPEQD, Shape.G_E, MODRM);
        def(MAP_0F, 0x7E, Op.MOVD_FROM_X, Shape.E_G, MODRM | NO66);
        def(MAP_0F, 0x7F, Op.MOVDQ_STORE, Shape.E_G, MODRM);
        def(MAP_0F, 0xD4, Op.PADDQ, Shape.G_E, MODRM);
        def(MAP_0F, 0xD6, Op.MOVQ_STORE_X, Shape.E_G, MODRM);
        def(MAP_0F, 0xD7, Op.PMOVMSKB, Shape.G_E, MODRM);
        def(MAP_0F, 0xD8, Op.PSUBUSB, Shape.G_E, MODRM);
        def(MAP_0F, 0xDA, Op.PMINUB, Shape.G_E, MODRM);
        def(MAP_0F, 0xDB, Op.PAND, Shape.G_E, MODRM);
        def(MAP_0F, 0xDE, Op.PMAXUB, Shape.G_E, MODRM);
        def(MAP_0F, 0xDF, Op.PANDN, Shape.G_E, MODRM);
        def(MAP_0F, 0xEB, Op.POR, Shape.G_E, MODRM);
        def(MAP_0F, 0xEF, Op.PXOR, Shape.G_E, MODRM);
        def(MAP_0F, 0xF8, Op.PSUBB, Shape.G_E, MODRM);
        def(MAP_0F, 0xF9, Op.PSUBW, Shape.G_E, MODRM);
        def(MAP_0F, 0xFA, Op.PSUBD, Shape.G_E, MODRM);
        def(MAP_0F, 0xFB, Op.PSUBQ, Shape.G_E, MODRM);
        def(MAP_0F, 0xFC, Op.PADDB, Shape.G_E, MODRM);
        def(MAP_0F, 0xFD, Op.PADDW, Shape.G_E, MODRM);
        def(MAP_0F, 0xFE, Op.PADDD, Shape.G_E, MODRM);

        // scalar floating point (F2: double, F3: single; the mandatory prefix is checked when executed)
        def(MAP_0F, 0x2A, Op.CVTSI2F, Shape.G_E, MODRM | NO66);
        def(MAP_0F, 0x2C, Op.CVTF2SI, Shape.G_E, MODRM | NO66);
        def(MAP_0F, 0x2D, Op.CVTF2SI, Shape.G_E, MODRM | NO66);
        def(MAP_0F, 0x2E, Op.COMIF, Shape.G_E, MODRM);
        def(MAP_0F, 0x2F, Op.COMIF, Shape.G_E, MODRM);
        for (int op : new int[] {0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F}) {
            def(MAP_0F, op, Op.FP_ARITH, Shape.G_E, MODRM);
        }
        for (int op : new int[] {0x14, 0x15, 0x50, 0x5A, 0x5B, 0xE6}) {
            def(MAP_0F, op, Op.SSE_FP, Shape.G_E, MODRM);
        }
        for (int op : new int[] {0x63, 0x65, 0x66, 0x67, 0x6B, 0xD1, 0xD2, 0xD3, 0xD5, 0xD9, 0xDC, 0xDD, 0xE0,
            0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEC, 0xED, 0xEE, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6}) {
            def(MAP_0F, op, Op.SSE_INT, Shape.G_E, MODRM);
        }
        def(MAP_0F, 0x77, Op.EMMS, Shape.NONE, 0);
        def(MAP_0F, 0xC4, Op.PINSRW, Shape.G_E_I, MODRM | IMM8 | UIMM);
        def(MAP_0F, 0xC5, Op.PEXTRW, Shape.G_E_I, MODRM | IMM8 | UIMM);
        def(MAP_0F, 0xE7, Op.MOVNT_STORE, Shape.E_G, MODRM | MEM_ONLY);
        def(MAP_0F, 0x2B, Op.MOVNT_STORE, Shape.E_G, MODRM | MEM_ONLY);
        def(MAP_0F, 0xC3, Op.MOVNTI, Shape.E_G, MODRM | MEM_ONLY);
        def(MAP_0F, 0x52, Op.RCP_RSQRT, Shape.G_E, MODRM);
        def(MAP_0F, 0x53, Op.RCP_RSQRT, Shape.G_E, MODRM);
        def(MAP_0F, 0xC2, Op.SSE_FP, Shape.G_E_I, MODRM | IMM8 | UIMM);
        def(MAP_0F, 0xC6, Op.SSE_FP, Shape.G_E_I, MODRM | IMM8 | UIMM);

        // SSE3 (the F3/F2 forms of 0F 12 and 0F 16 are resolved by the interpreter from the prefix)
        def(MAP_0F, 0x7C, Op.SSE3, Shape.G_E, MODRM);
        def(MAP_0F, 0x7D, Op.SSE3, Shape.G_E, MODRM);
        def(MAP_0F, 0xD0, Op.SSE3, Shape.G_E, MODRM);
        def(MAP_0F, 0xF0, Op.SSE3, Shape.G_E, MODRM | MEM_ONLY);
        def(MAP_0F, 0xF7, Op.MASKMOV, Shape.G_E, MODRM);

        // three-byte maps
        for (int op = 0x00; op <= 0x0B; op++) {
            def(MAP_0F38, op, Op.SSSE3, Shape.G_E, MODRM);
        }
        for (int op = 0x1C; op <= 0x1E; op++) {
            def(MAP_0F38, op, Op.SSSE3, Shape.G_E, MODRM);
        }
        def(MAP_0F3A, 0x0F, Op.SSSE3, Shape.G_E_I, MODRM | IMM8 | UIMM);
        for (int op : new int[] {0x10, 0x14, 0x15, 0x17, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2B, 0x30,
            0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41}) {
            def(MAP_0F38, op, Op.SSE41, Shape.G_E, MODRM);
        }
        def(MAP_0F38, 0x2A, Op.SSE41, Shape.G_E, MODRM | MEM_ONLY);
        for (int op : new int[] {0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x21, 0x40, 0x41, 0x42}) {
            def(MAP_0F3A, op, Op.SSE41, Shape.G_E_I, MODRM | IMM8 | UIMM);
        }
        // PEXTR*/EXTRACTPS/PINSR*: a general register operand is 32 bits, or 64 with REX.W, despite the 66
        for (int op : new int[] {0x14, 0x15, 0x16, 0x17, 0x20, 0x22}) {
            def(MAP_0F3A, op, Op.SSE41, Shape.G_E_I, MODRM | IMM8 | UIMM | NO66);
        }
        for (int op = 0x60; op <= 0x63; op++) {
            def(MAP_0F3A, op, Op.PCMPSTR, Shape.G_E_I, MODRM | IMM8 | UIMM);
        }
        def(MAP_0F38, 0xF0, Op.MOVBE_LOAD, Shape.G_E, MODRM | MEM_ONLY);
        def(MAP_0F38, 0xF1, Op.MOVBE_STORE, Shape.E_G, MODRM | MEM_ONLY);
        defineVex();
        defineSystem();
    }

    /**
     * The VEX-encoded forms hvx implements: BMI1 and BMI2 only (AVX needs XSAVE with YMM state, which hvx
     * does not advertise). Every other VEX opcode stays undefined. VEX.pp picks among forms sharing an opcode.
     */
    private static void defineVex() {
        def(MAP_VEX_0F38, 0xF2, Op.BMI, Shape.G_V_E, MODRM | NO66 | VEX);
        group(MAP_VEX_0F38, 0xF3, NO66 | VEX, 1, Op.BMI, s(Shape.V_E), 2, Op.BMI, s(Shape.V_E), 3, Op.BMI,
                s(Shape.V_E));
        def(MAP_VEX_0F38, 0xF5, Op.BMI, Shape.G_V_E, MODRM | NO66 | VEX);
        def(MAP_VEX_0F38, 0xF6, Op.BMI, Shape.G_V_E, MODRM | NO66 | VEX);
        def(MAP_VEX_0F38, 0xF7, Op.BMI, Shape.G_E_V, MODRM | NO66 | VEX);
        def(MAP_VEX_0F3A, 0xF0, Op.BMI, Shape.G_E_I, MODRM | NO66 | VEX | IMM8 | UIMM);
    }

    /** System instructions and the forms that exist only outside 64-bit mode (the decoder refuses those there). */
    private static void defineSystem() {
        def(MAP_0, 0xFA, Op.CLI, Shape.NONE, 0);
        def(MAP_0, 0xFB, Op.STI, Shape.NONE, 0);
        def(MAP_0, 0xE4, Op.IN, Shape.NONE, BYTE | IMM8 | UIMM);
        def(MAP_0, 0xE5, Op.IN, Shape.NONE, IMM8 | UIMM);
        def(MAP_0, 0xE6, Op.OUT, Shape.NONE, BYTE | IMM8 | UIMM);
        def(MAP_0, 0xE7, Op.OUT, Shape.NONE, IMM8 | UIMM);
        def(MAP_0, 0xEC, Op.IN, Shape.A_I, BYTE);
        def(MAP_0, 0xED, Op.IN, Shape.A_I, 0);
        def(MAP_0, 0xEE, Op.OUT, Shape.A_I, BYTE);
        def(MAP_0, 0xEF, Op.OUT, Shape.A_I, 0);
        def(MAP_0, 0x6C, Op.INS, Shape.NONE, BYTE);
        def(MAP_0, 0x6D, Op.INS, Shape.NONE, 0);
        def(MAP_0, 0x6E, Op.OUTS, Shape.NONE, BYTE);
        def(MAP_0, 0x6F, Op.OUTS, Shape.NONE, 0);
        def(MAP_0, 0xCD, Op.INT, Shape.NONE, IMM8 | UIMM);
        def(MAP_0, 0xCE, Op.INTO, Shape.NONE, LEGACY);
        def(MAP_0, 0xF1, Op.INT1, Shape.NONE, 0);
        def(MAP_0, 0xCF, Op.IRET, Shape.NONE, 0);
        def(MAP_0, 0x8C, Op.MOV_FROM_SREG, Shape.E_G, MODRM);
        def(MAP_0, 0x8E, Op.MOV_TO_SREG, Shape.G_E, MODRM);
        def(MAP_0, 0x06, Op.PUSH_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x07, Op.POP_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x0E, Op.PUSH_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x16, Op.PUSH_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x17, Op.POP_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x1E, Op.PUSH_SREG, Shape.NONE, LEGACY);
        def(MAP_0, 0x1F, Op.POP_SREG, Shape.NONE, LEGACY);
        def(MAP_0F, 0xA0, Op.PUSH_SREG, Shape.NONE, D64);
        def(MAP_0F, 0xA1, Op.POP_SREG, Shape.NONE, D64);
        def(MAP_0F, 0xA8, Op.PUSH_SREG, Shape.NONE, D64);
        def(MAP_0F, 0xA9, Op.POP_SREG, Shape.NONE, D64);
        def(MAP_0F, 0xB2, Op.LOAD_FAR_POINTER, Shape.G_E, MODRM | MEM_ONLY);
        def(MAP_0F, 0xB4, Op.LOAD_FAR_POINTER, Shape.G_E, MODRM | MEM_ONLY);
        def(MAP_0F, 0xB5, Op.LOAD_FAR_POINTER, Shape.G_E, MODRM | MEM_ONLY);
        def(MAP_0, 0xEA, Op.JMP_FAR, Shape.NONE, LEGACY | IMMZ | FARPTR);
        def(MAP_0, 0x9A, Op.CALL_FAR, Shape.NONE, LEGACY | IMMZ | FARPTR);
        def(MAP_0, 0xCB, Op.RETF, Shape.NONE, 0);
        def(MAP_0, 0xCA, Op.RETF, Shape.NONE, IMM16);
        for (int r = 0; r < 8; r++) {
            def(MAP_0, 0x40 + r, Op.INC, Shape.E, OPREG | LEGACY); // REX prefixes in 64-bit mode
            def(MAP_0, 0x48 + r, Op.DEC, Shape.E, OPREG | LEGACY);
        }
        def(MAP_0F, 0x00, Op.GROUP6, Shape.E, MODRM);
        def(MAP_0F, 0x01, Op.GROUP7, Shape.E, MODRM);
        def(MAP_0F, 0x02, Op.LAR, Shape.G_E, MODRM);
        def(MAP_0F, 0x03, Op.LSL, Shape.G_E, MODRM);
        def(MAP_0F, 0x06, Op.CLTS, Shape.NONE, 0);
        def(MAP_0F, 0x07, Op.SYSRET, Shape.NONE, 0);
        def(MAP_0F, 0x08, Op.WBINVD, Shape.NONE, 0);
        def(MAP_0F, 0x09, Op.WBINVD, Shape.NONE, 0);
        def(MAP_0F, 0x20, Op.MOV_FROM_CR, Shape.E_G, MODRM | F64);
        def(MAP_0F, 0x21, Op.MOV_FROM_DR, Shape.E_G, MODRM | F64);
        def(MAP_0F, 0x22, Op.MOV_TO_CR, Shape.G_E, MODRM | F64);
        def(MAP_0F, 0x23, Op.MOV_TO_DR, Shape.G_E, MODRM | F64);
        def(MAP_0F, 0x30, Op.WRMSR, Shape.NONE, 0);
        def(MAP_0F, 0x32, Op.RDMSR, Shape.NONE, 0);
        int at = (MAP_0 * 256 + 0xFF) * 8;
        GROUP_OPS[at + 3] = Op.CALL_FAR_E;
        GROUP_FLAGS[at + 3] = MEM_ONLY;
        GROUP_SHAPES[at + 3] = Shape.E;
        GROUP_OPS[at + 5] = Op.JMP_FAR_E;
        GROUP_FLAGS[at + 5] = MEM_ONLY;
        GROUP_SHAPES[at + 5] = Shape.E;
    }
}
