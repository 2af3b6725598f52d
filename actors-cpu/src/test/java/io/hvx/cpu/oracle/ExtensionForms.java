package io.hvx.cpu.oracle;

import static io.hvx.cpu.oracle.Form.D;
import static io.hvx.cpu.oracle.Form.Q;
import static io.hvx.cpu.oracle.Form.W;
import static io.hvx.cpu.oracle.Forms.b;

import java.util.ArrayList;
import java.util.List;

/** The ISA extensions beyond SSE2 checked against the host: SSE3, SSSE3, SSE4.1/4.2, BMI1/2, MMX-operand SSE forms. */
final class ExtensionForms {
    private static final int ALIGNED = 9;
    private static final int UNALIGNED = 11;
    private static final int STRING = 5;

    private ExtensionForms() {
    }

    private static Form xmm(String name, int prefix, int imm, int kind, int... opcode) {
        return new Form(name, b(opcode), prefix, -1, imm, D, false, 0, 0, kind);
    }

    /** SSE3, SSSE3 (XMM and MMX forms), SSE4.1 and the SSE4.2 vector forms. */
    static List<Form> vector() {
        List<Form> f = new ArrayList<>();
        for (int op : new int[] {0xD0, 0x7C, 0x7D}) {
            f.add(xmm(String.format("sse3 66 0f %02x", op), 0x66, 0, ALIGNED, 0x0F, op));
            f.add(xmm(String.format("sse3 f2 0f %02x", op), 0xF2, 0, ALIGNED, 0x0F, op));
        }
        f.add(new Form("lddqu x,M", b(0x0F, 0xF0), 0xF2, -1, 0, D, false, 1, 0, UNALIGNED));
        f.add(xmm("movsldup", 0xF3, 0, ALIGNED, 0x0F, 0x12));
        f.add(xmm("movddup", 0xF2, 0, ALIGNED, 0x0F, 0x12));
        f.add(xmm("movshdup", 0xF3, 0, ALIGNED, 0x0F, 0x16));
        for (int op : new int[] {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x1C, 0x1D,
            0x1E}) {
            f.add(xmm(String.format("ssse3 66 0f 38 %02x", op), 0x66, 0, ALIGNED, 0x0F, 0x38, op));
            f.add(xmm(String.format("ssse3 mm 0f 38 %02x", op), 0, 0, UNALIGNED, 0x0F, 0x38, op));
        }
        f.add(xmm("palignr x", 0x66, 1, ALIGNED, 0x0F, 0x3A, 0x0F));
        f.add(xmm("palignr mm", 0, 1, UNALIGNED, 0x0F, 0x3A, 0x0F));
        for (int op : new int[] {0x10, 0x14, 0x15, 0x17, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2B, 0x30,
            0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x41}) {
            f.add(xmm(String.format("sse4 66 0f 38 %02x", op), 0x66, 0, ALIGNED, 0x0F, 0x38, op));
        }
        f.add(new Form("movntdqa x,M", b(0x0F, 0x38, 0x2A), 0x66, -1, 0, D, false, 1, 0, ALIGNED));
        for (int op : new int[] {0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x21, 0x40, 0x41, 0x42}) {
            f.add(xmm(String.format("sse4 66 0f 3a %02x", op), 0x66, 1, ALIGNED, 0x0F, 0x3A, op));
        }
        for (int op : new int[] {0x14, 0x15, 0x16, 0x17, 0x20, 0x22}) {
            f.add(new Form(String.format("sse4 gpr 66 0f 3a %02x", op), b(0x0F, 0x3A, op), 0x66, -1, 1, D | Q, false,
                    0, 0, UNALIGNED));
        }
        for (int op = 0x60; op <= 0x63; op++) {
            f.add(new Form(String.format("pcmpstr 66 0f 3a %02x", op), b(0x0F, 0x3A, op), 0x66, -1, 1, D | Q, false,
                    0, 0, UNALIGNED));
        }
        f.add(new Form("cvtpi2ps x,mm", b(0x0F, 0x2A), 0, -1, 0, D, false, 0, 0, UNALIGNED));
        f.add(new Form("cvtpi2pd x,mm", b(0x0F, 0x2A), 0x66, -1, 0, D, false, 0, 0, UNALIGNED));
        f.add(new Form("cvtps2pi mm,x", b(0x0F, 0x2D), 0, -1, 0, D, false, 0, 0, UNALIGNED));
        f.add(new Form("cvttps2pi mm,x", b(0x0F, 0x2C), 0, -1, 0, D, false, 0, 0, UNALIGNED));
        f.add(new Form("cvtpd2pi mm,x", b(0x0F, 0x2D), 0x66, -1, 0, D, false, 0, 0, ALIGNED));
        f.add(new Form("cvttpd2pi mm,x", b(0x0F, 0x2C), 0x66, -1, 0, D, false, 0, 0, ALIGNED));
        f.add(new Form("movq2dq x,mm", b(0x0F, 0xD6), 0xF3, -1, 0, D, false, 2, 0, UNALIGNED));
        f.add(new Form("movdq2q mm,x", b(0x0F, 0xD6), 0xF2, -1, 0, D, false, 2, 0, UNALIGNED));
        f.add(new Form("movntq M,mm", b(0x0F, 0xE7), 0, -1, 0, D, false, 1, 0, UNALIGNED));
        f.add(new Form("maskmovq mm,mm", b(0x0F, 0xF7), 0, -1, 0, D, false, 2, 0, STRING));
        f.add(new Form("maskmovdqu x,x", b(0x0F, 0xF7), 0x66, -1, 0, D, false, 2, 0, STRING));
        return f;
    }

    private static Form vex(String name, int map, int pp, int op, int modrm, int imm, long undefined) {
        return new Form(name, b(op), 0, modrm, imm, D | Q, false, 0, undefined, 0, Form.vex(map, pp));
    }

    /** BMI1, BMI2 (VEX-encoded) and SSE4.2 CRC32. */
    static List<Form> bmi() {
        long af = Forms.AF;
        long pf = Forms.PF;
        List<Form> f = new ArrayList<>();
        f.add(vex("andn", 2, 0, 0xF2, -1, 0, af | pf));
        f.add(vex("blsr", 2, 0, 0xF3, 1, 0, af | pf));
        f.add(vex("blsmsk", 2, 0, 0xF3, 2, 0, af | pf));
        f.add(vex("blsi", 2, 0, 0xF3, 3, 0, af | pf));
        f.add(vex("bzhi", 2, 0, 0xF5, -1, 0, af | pf));
        f.add(vex("pext", 2, 2, 0xF5, -1, 0, 0));
        f.add(vex("pdep", 2, 3, 0xF5, -1, 0, 0));
        f.add(vex("mulx", 2, 3, 0xF6, -1, 0, 0));
        f.add(vex("bextr", 2, 0, 0xF7, -1, 0, af | pf | Forms.SF));
        f.add(vex("shlx", 2, 1, 0xF7, -1, 0, 0));
        f.add(vex("sarx", 2, 2, 0xF7, -1, 0, 0));
        f.add(vex("shrx", 2, 3, 0xF7, -1, 0, 0));
        f.add(vex("rorx", 3, 3, 0xF0, -1, 1, 0));
        f.add(new Form("crc32 Gv,Eb", b(0x0F, 0x38, 0xF0), 0xF2, -1, 0, D | Q, false, 0, 0, 0));
        f.add(new Form("crc32 Gv,Ev", b(0x0F, 0x38, 0xF1), 0xF2, -1, 0, W | D | Q, false, 0, 0, 0));
        return f;
    }
}
