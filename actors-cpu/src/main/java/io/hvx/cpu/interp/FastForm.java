package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Shape;

/**
 * The common instruction forms that {@link Interpreter#execute} runs through one dense switch instead of
 * dispatching on the operation, then the operand shape, then the operation again: 32- and 64-bit register and
 * simple memory forms of MOV, the ALU operations, shifts and rotates by an immediate, INC, DEC, NOT, LEA, Jcc,
 * PUSH and POP, chosen from the instruction mix in docs/benchmarks.md. Everything else is {@link #GENERIC}. The
 * oracle suites run single instructions through {@code execute}, so they check these forms as they check the
 * generic path.
 */
final class FastForm {
    private FastForm() {
    }

    static final int GENERIC = 1;
    static final int ADD_EG_RR4 = 2;
    static final int ADD_GE_RR4 = 3;
    static final int ADD_GE_RM4 = 4;
    static final int ADD_EI_R4 = 5;
    static final int ADD_EG_RR8 = 6;
    static final int ADD_GE_RR8 = 7;
    static final int ADD_GE_RM8 = 8;
    static final int ADD_EI_R8 = 9;
    static final int SUB_EG_RR4 = 10;
    static final int SUB_GE_RR4 = 11;
    static final int SUB_GE_RM4 = 12;
    static final int SUB_EI_R4 = 13;
    static final int SUB_EG_RR8 = 14;
    static final int SUB_GE_RR8 = 15;
    static final int SUB_GE_RM8 = 16;
    static final int SUB_EI_R8 = 17;
    static final int AND_EG_RR4 = 18;
    static final int AND_GE_RR4 = 19;
    static final int AND_GE_RM4 = 20;
    static final int AND_EI_R4 = 21;
    static final int AND_EG_RR8 = 22;
    static final int AND_GE_RR8 = 23;
    static final int AND_GE_RM8 = 24;
    static final int AND_EI_R8 = 25;
    static final int OR_EG_RR4 = 26;
    static final int OR_GE_RR4 = 27;
    static final int OR_GE_RM4 = 28;
    static final int OR_EI_R4 = 29;
    static final int OR_EG_RR8 = 30;
    static final int OR_GE_RR8 = 31;
    static final int OR_GE_RM8 = 32;
    static final int OR_EI_R8 = 33;
    static final int XOR_EG_RR4 = 34;
    static final int XOR_GE_RR4 = 35;
    static final int XOR_GE_RM4 = 36;
    static final int XOR_EI_R4 = 37;
    static final int XOR_EG_RR8 = 38;
    static final int XOR_GE_RR8 = 39;
    static final int XOR_GE_RM8 = 40;
    static final int XOR_EI_R8 = 41;
    static final int CMP_EG_RR4 = 42;
    static final int CMP_GE_RR4 = 43;
    static final int CMP_GE_RM4 = 44;
    static final int CMP_EI_R4 = 45;
    static final int CMP_EG_RR8 = 46;
    static final int CMP_GE_RR8 = 47;
    static final int CMP_GE_RM8 = 48;
    static final int CMP_EI_R8 = 49;
    static final int TEST_EG_RR4 = 50;
    static final int TEST_EI_R4 = 51;
    static final int TEST_EG_RR8 = 52;
    static final int TEST_EI_R8 = 53;
    static final int MOV_EG_RR4 = 54;
    static final int MOV_GE_RR4 = 55;
    static final int MOV_LOAD4 = 56;
    static final int MOV_STORE4 = 57;
    static final int MOV_EI_R4 = 58;
    static final int MOV_EI_M4 = 59;
    static final int SHL_EI_R4 = 60;
    static final int SHR_EI_R4 = 61;
    static final int SAR_EI_R4 = 62;
    static final int ROL_EI_R4 = 63;
    static final int ROR_EI_R4 = 64;
    static final int INC_R4 = 65;
    static final int DEC_R4 = 66;
    static final int NOT_R4 = 67;
    static final int LEA4 = 68;
    static final int MOV_EG_RR8 = 69;
    static final int MOV_GE_RR8 = 70;
    static final int MOV_LOAD8 = 71;
    static final int MOV_STORE8 = 72;
    static final int MOV_EI_R8 = 73;
    static final int MOV_EI_M8 = 74;
    static final int SHL_EI_R8 = 75;
    static final int SHR_EI_R8 = 76;
    static final int SAR_EI_R8 = 77;
    static final int ROL_EI_R8 = 78;
    static final int ROR_EI_R8 = 79;
    static final int INC_R8 = 80;
    static final int DEC_R8 = 81;
    static final int NOT_R8 = 82;
    static final int LEA8 = 83;
    static final int JCC = 84;
    static final int PUSH_R8 = 85;
    static final int POP_R8 = 86;

    /** The Interpreter method that runs each form, by form number (none for 0 and GENERIC). */
    private static final String[] METHODS = {
            null, null,
            "addEgRr4",
            "addGeRr4",
            "addGeRm4",
            "addEiR4",
            "addEgRr8",
            "addGeRr8",
            "addGeRm8",
            "addEiR8",
            "subEgRr4",
            "subGeRr4",
            "subGeRm4",
            "subEiR4",
            "subEgRr8",
            "subGeRr8",
            "subGeRm8",
            "subEiR8",
            "andEgRr4",
            "andGeRr4",
            "andGeRm4",
            "andEiR4",
            "andEgRr8",
            "andGeRr8",
            "andGeRm8",
            "andEiR8",
            "orEgRr4",
            "orGeRr4",
            "orGeRm4",
            "orEiR4",
            "orEgRr8",
            "orGeRr8",
            "orGeRm8",
            "orEiR8",
            "xorEgRr4",
            "xorGeRr4",
            "xorGeRm4",
            "xorEiR4",
            "xorEgRr8",
            "xorGeRr8",
            "xorGeRm8",
            "xorEiR8",
            "cmpEgRr4",
            "cmpGeRr4",
            "cmpGeRm4",
            "cmpEiR4",
            "cmpEgRr8",
            "cmpGeRr8",
            "cmpGeRm8",
            "cmpEiR8",
            "testEgRr4",
            "testEiR4",
            "testEgRr8",
            "testEiR8",
            "movEgRr4",
            "movGeRr4",
            "movLoad4",
            "movStore4",
            "movEiR4",
            "movEiM4",
            "shlEiR4",
            "shrEiR4",
            "sarEiR4",
            "rolEiR4",
            "rorEiR4",
            "incR4",
            "decR4",
            "notR4",
            "lea4",
            "movEgRr8",
            "movGeRr8",
            "movLoad8",
            "movStore8",
            "movEiR8",
            "movEiM8",
            "shlEiR8",
            "shrEiR8",
            "sarEiR8",
            "rolEiR8",
            "rorEiR8",
            "incR8",
            "decR8",
            "notR8",
            "lea8",
            "jcc",
            "pushR8",
            "popR8"};

    /** The name of the {@link Interpreter} method that runs the form (not for GENERIC). */
    static String method(int form) {
        return METHODS[form];
    }

    /** Whether the form writes guest memory (and may so invalidate decoded code). */
    static boolean stores(int form) {
        return form == MOV_STORE4 || form == MOV_STORE8 || form == MOV_EI_M4 || form == MOV_EI_M8 || form == PUSH_R8;
    }

    /** The form of a decoded instruction; never 0. */
    static int classify(Instruction i) {
        int size = i.opSize;
        boolean reg = i.mod == 3;
        if ((i.prefixes & Instruction.P_LOCK) != 0 || (size != 4 && size != 8)) {
            return GENERIC;
        }
        switch (i.op) {
            case ADD -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return ADD_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return ADD_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return ADD_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return ADD_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return ADD_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return ADD_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return ADD_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return ADD_EI_R8;
                }
                return GENERIC;
            }
            case SUB -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return SUB_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return SUB_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return SUB_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return SUB_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return SUB_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return SUB_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return SUB_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return SUB_EI_R8;
                }
                return GENERIC;
            }
            case AND -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return AND_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return AND_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return AND_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return AND_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return AND_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return AND_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return AND_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return AND_EI_R8;
                }
                return GENERIC;
            }
            case OR -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return OR_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return OR_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return OR_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return OR_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return OR_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return OR_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return OR_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return OR_EI_R8;
                }
                return GENERIC;
            }
            case XOR -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return XOR_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return XOR_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return XOR_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return XOR_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return XOR_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return XOR_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return XOR_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return XOR_EI_R8;
                }
                return GENERIC;
            }
            case CMP -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return CMP_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return CMP_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return CMP_GE_RM4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return CMP_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return CMP_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return CMP_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return CMP_GE_RM8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return CMP_EI_R8;
                }
                return GENERIC;
            }
            case TEST -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return TEST_EG_RR4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return TEST_EI_R4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return TEST_EG_RR8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return TEST_EI_R8;
                }
                return GENERIC;
            }
            case MOV -> {
                if (i.shape == Shape.E_G && reg && size == 4) {
                    return MOV_EG_RR4;
                }
                if (i.shape == Shape.G_E && reg && size == 4) {
                    return MOV_GE_RR4;
                }
                if (i.shape == Shape.G_E && !reg && size == 4) {
                    return MOV_LOAD4;
                }
                if (i.shape == Shape.E_G && !reg && size == 4) {
                    return MOV_STORE4;
                }
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return MOV_EI_R4;
                }
                if (i.shape == Shape.E_I && !reg && size == 4) {
                    return MOV_EI_M4;
                }
                if (i.shape == Shape.E_G && reg && size == 8) {
                    return MOV_EG_RR8;
                }
                if (i.shape == Shape.G_E && reg && size == 8) {
                    return MOV_GE_RR8;
                }
                if (i.shape == Shape.G_E && !reg && size == 8) {
                    return MOV_LOAD8;
                }
                if (i.shape == Shape.E_G && !reg && size == 8) {
                    return MOV_STORE8;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return MOV_EI_R8;
                }
                if (i.shape == Shape.E_I && !reg && size == 8) {
                    return MOV_EI_M8;
                }
                return GENERIC;
            }
            case SHL -> {
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return SHL_EI_R4;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return SHL_EI_R8;
                }
                return GENERIC;
            }
            case SHR -> {
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return SHR_EI_R4;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return SHR_EI_R8;
                }
                return GENERIC;
            }
            case SAR -> {
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return SAR_EI_R4;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return SAR_EI_R8;
                }
                return GENERIC;
            }
            case ROL -> {
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return ROL_EI_R4;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return ROL_EI_R8;
                }
                return GENERIC;
            }
            case ROR -> {
                if (i.shape == Shape.E_I && reg && size == 4) {
                    return ROR_EI_R4;
                }
                if (i.shape == Shape.E_I && reg && size == 8) {
                    return ROR_EI_R8;
                }
                return GENERIC;
            }
            case INC -> {
                if (i.shape == Shape.E && reg && size == 4) {
                    return INC_R4;
                }
                if (i.shape == Shape.E && reg && size == 8) {
                    return INC_R8;
                }
                return GENERIC;
            }
            case DEC -> {
                if (i.shape == Shape.E && reg && size == 4) {
                    return DEC_R4;
                }
                if (i.shape == Shape.E && reg && size == 8) {
                    return DEC_R8;
                }
                return GENERIC;
            }
            case NOT -> {
                if (i.shape == Shape.E && reg && size == 4) {
                    return NOT_R4;
                }
                if (i.shape == Shape.E && reg && size == 8) {
                    return NOT_R8;
                }
                return GENERIC;
            }
            case LEA -> {
                if (i.shape == Shape.G_E && !reg && size == 4 && i.addrSize == 8) {
                    return LEA4;
                }
                if (i.shape == Shape.G_E && !reg && size == 8 && i.addrSize == 8) {
                    return LEA8;
                }
                return GENERIC;
            }
            case JCC -> {
                return JCC;
            }
            case PUSH -> {
                if (i.shape == Shape.E && reg && size == 8) {
                    return PUSH_R8;
                }
                return GENERIC;
            }
            case POP -> {
                if (i.shape == Shape.E && reg && size == 8) {
                    return POP_R8;
                }
                return GENERIC;
            }
            default -> {
                return GENERIC;
            }
        }
    }
}
