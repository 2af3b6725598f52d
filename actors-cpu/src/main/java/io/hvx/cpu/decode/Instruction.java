package io.hvx.cpu.decode;

/**
 * One decoded instruction, filled in place by {@link Decoder#decode} so that decoding allocates
 * nothing; the caller owns and reuses it.
 */
public final class Instruction {
    /** Prefix bit: F0 LOCK. */
    public static final int P_LOCK = 1;
    /** Prefix bit: F3 REP/REPE (or a mandatory SSE prefix). */
    public static final int P_REP = 1 << 1;
    /** Prefix bit: F2 REPNE (or a mandatory SSE prefix). */
    public static final int P_REPNE = 1 << 2;
    /** Prefix bit: 66 operand-size override. */
    public static final int P_OPSIZE = 1 << 3;
    /** Prefix bit: 67 address-size override. */
    public static final int P_ADDRSIZE = 1 << 4;

    /** Segment override: none. */
    public static final int SEG_NONE = 0;
    /** Segment override: FS (64). */
    public static final int SEG_FS = 4;
    /** Segment override: GS (65). */
    public static final int SEG_GS = 5;
    /** Segment CS (outside 64-bit mode, where every memory operand names its segment). */
    public static final int SEG_CS = 1;
    /** Segment SS (outside 64-bit mode). */
    public static final int SEG_SS = 2;
    /** Segment DS (outside 64-bit mode). */
    public static final int SEG_DS = 3;
    /** Segment ES (outside 64-bit mode). */
    public static final int SEG_ES = 6;

    public long address;
    public int length;
    public Op op;
    public int shape;
    public int flags;
    /** Opcode map (OpcodeTable.MAP_*) times 256 plus the opcode byte. */
    public int opcode;
    public int prefixes;
    public int segment;
    /** The REX byte, 0 when absent. */
    public int rex;
    /** Operand size in bytes: 1, 2, 4 or 8. */
    public int opSize;
    /** Address size in bytes: 2 (16-bit code), 4 or 8. */
    public int addrSize;
    public int mod;
    /** ModRM.reg extended by REX.R. */
    public int reg;
    /** ModRM.rm extended by REX.B (a register when mod is 3). */
    public int rm;
    /** Base register of the memory operand, -1 for none. */
    public int base;
    /** Index register of the memory operand, -1 for none. */
    public int index;
    /** Index scale as a shift count (0..3). */
    public int scale;
    public long disp;
    public boolean ripRelative;
    public long imm;
    /** Whether a VEX prefix (C4/C5) encoded the instruction. */
    public boolean vex;
    /** VEX.vvvv: the extra register operand (already un-inverted), 0 without VEX. */
    public int vvvv;
    /** VEX.L: 1 for 256-bit vector length. */
    public int vexL;
    /** VEX.pp: the implied mandatory prefix (0 none, 1 66, 2 F3, 3 F2). */
    public int vexPp;
    /** The executor's own classification of this instruction (0: not yet classified); reset by every decode. */
    public int form;

    /** Whether the r/m operand is a register. */
    public boolean rmIsRegister() {
        return mod == 3;
    }

    /** Whether a REX prefix is present (selects SPL..DIL instead of AH..BH for byte registers). */
    public boolean hasRex() {
        return rex != 0;
    }

    /** The condition code of Jcc/SETcc/CMOVcc (the low four opcode bits). */
    public int condition() {
        return opcode & 0xF;
    }

    /** The address of the next instruction. */
    public long next() {
        return address + length;
    }

    /** The byte at {@code i} is not kept: use the guest memory; this prints the decoded form for diagnostics. */
    @Override
    public String toString() {
        return op + " shape=" + shape + " size=" + opSize + " mod=" + mod + " reg=" + reg + " rm=" + rm
                + " base=" + base + " index=" + index + " scale=" + scale + " disp=" + disp
                + " imm=" + imm + " len=" + length + (ripRelative ? " rip" : "");
    }
}
