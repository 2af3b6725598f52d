package io.hvx.cpu.decode;

/** How an instruction names its operands; one interpreter path per shape, not per opcode and mode. */
public final class Shape {
    private Shape() {
    }

    /** No explicit operands. */
    public static final int NONE = 0;
    /** Destination ModRM.rm, source ModRM.reg. */
    public static final int E_G = 1;
    /** Destination ModRM.reg, source ModRM.rm. */
    public static final int G_E = 2;
    /** Destination rAX (or AL), source immediate. */
    public static final int A_I = 3;
    /** Destination ModRM.rm (or opcode register, encoded as rm with mod 3), source immediate. */
    public static final int E_I = 4;
    /** Single operand ModRM.rm (or opcode register). */
    public static final int E = 5;
    /** ModRM.rm shifted by one. */
    public static final int E_1 = 6;
    /** ModRM.rm shifted by CL. */
    public static final int E_CL = 7;
    /** Destination ModRM.reg, sources ModRM.rm and immediate (IMUL r, r/m, imm). */
    public static final int G_E_I = 8;
    /** Destination ModRM.rm, sources ModRM.reg and immediate count (SHLD/SHRD). */
    public static final int E_G_I = 9;
    /** Destination ModRM.rm, sources ModRM.reg and CL (SHLD/SHRD). */
    public static final int E_G_CL = 10;
    /** Relative branch target in the immediate. */
    public static final int REL = 11;
    /** ModRM.rm exchanged with rAX (90+r). */
    public static final int E_A = 12;
    /** Destination ModRM.reg, sources VEX.vvvv and ModRM.rm. */
    public static final int G_V_E = 13;
    /** Destination ModRM.reg, sources ModRM.rm and VEX.vvvv. */
    public static final int G_E_V = 14;
    /** Destination VEX.vvvv, source ModRM.rm. */
    public static final int V_E = 15;
}
