package io.hvx.cpu.oracle;

/**
 * One instruction form the differential test generates: opcode bytes plus how to fill in the rest.
 *
 * @param name        mnemonic and operand shape, for reports
 * @param opcode      the opcode bytes after any 66/REX prefix (the mandatory prefix, if any, goes in {@code prefix})
 * @param prefix      a mandatory prefix byte (F3 for POPCNT...), or 0
 * @param modrm       -2 for none, -1 for any ModRM.reg, 0..7 for a group's fixed ModRM.reg
 * @param imm         immediate: 0 none, 1 byte, 2 word, 4 Iz (2 with 66), 8 Iv (imm64 with REX.W)
 * @param sizes       bit mask of operand sizes allowed: 1, 2, 4, 8
 * @param opReg       the low three opcode bits name a register
 * @param memory      0 register or memory, 1 memory only, 2 register only
 * @param undefined   flags the SDM leaves undefined for every execution of this form
 * @param kind        special treatment: 0 none, 1 shift (count-dependent flags), 2 rotate, 3 double shift,
 *                    4 divide, 5 string, 6 bit test with register offset, 7 CMPXCHG16B alignment, 8 bit scan
 * @param vex         0 for a legacy encoding, else {@link #vex(int, int)}: a three-byte VEX prefix replaces the
 *                    66/REX prefixes and the 0F escape bytes, and {@code opcode} is the one opcode byte
 */
record Form(String name, byte[] opcode, int prefix, int modrm, int imm, int sizes, boolean opReg, int memory,
            long undefined, int kind, int vex) {
    Form(String name, byte[] opcode, int prefix, int modrm, int imm, int sizes, boolean opReg, int memory,
         long undefined, int kind) {
        this(name, opcode, prefix, modrm, imm, sizes, opReg, memory, undefined, kind, 0);
    }

    /** A VEX encoding: map 2 (0F 38) or 3 (0F 3A), pp 0 none, 1 66, 2 F3, 3 F2. */
    static int vex(int map, int pp) {
        return 0x100 | map << 2 | pp;
    }

    static final int B = 1;
    static final int W = 2;
    static final int D = 4;
    static final int Q = 8;
    static final int WDQ = W | D | Q;
}
