package io.hvx.cpu.oracle;

import static io.hvx.cpu.oracle.Form.B;
import static io.hvx.cpu.oracle.Form.D;
import static io.hvx.cpu.oracle.Form.Q;
import static io.hvx.cpu.oracle.Form.W;
import static io.hvx.cpu.oracle.Form.WDQ;

import java.util.ArrayList;
import java.util.List;

/** The integer instruction forms checked against the host CPU, with the SDM's undefined flags for each. */
final class Forms {
    static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    static final long ALL = CF | PF | AF | ZF | SF | OF;

    private Forms() {
    }

    static byte[] b(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    static List<Form> all() {
        List<Form> f = new ArrayList<>();
        String[] alu = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
        for (int i = 0; i < 8; i++) {
            long und = (i == 1 || i == 4 || i == 6) ? AF : 0;
            int base = i * 8;
            f.add(new Form(alu[i] + " Eb,Gb", b(base), 0, -1, 0, B, false, 0, und, 0));
            f.add(new Form(alu[i] + " Ev,Gv", b(base + 1), 0, -1, 0, WDQ, false, 0, und, 0));
            f.add(new Form(alu[i] + " Gb,Eb", b(base + 2), 0, -1, 0, B, false, 0, und, 0));
            f.add(new Form(alu[i] + " Gv,Ev", b(base + 3), 0, -1, 0, WDQ, false, 0, und, 0));
            f.add(new Form(alu[i] + " AL,Ib", b(base + 4), 0, -2, 1, B, false, 0, und, 0));
            f.add(new Form(alu[i] + " rAX,Iz", b(base + 5), 0, -2, 4, WDQ, false, 0, und, 0));
            f.add(new Form(alu[i] + " Eb,Ib", b(0x80), 0, i, 1, B, false, 0, und, 0));
            f.add(new Form(alu[i] + " Ev,Iz", b(0x81), 0, i, 4, WDQ, false, 0, und, 0));
            f.add(new Form(alu[i] + " Ev,Ib", b(0x83), 0, i, 1, WDQ, false, 0, und, 0));
        }
        f.add(new Form("test Eb,Gb", b(0x84), 0, -1, 0, B, false, 0, AF, 0));
        f.add(new Form("test Ev,Gv", b(0x85), 0, -1, 0, WDQ, false, 0, AF, 0));
        f.add(new Form("test AL,Ib", b(0xA8), 0, -2, 1, B, false, 0, AF, 0));
        f.add(new Form("test rAX,Iz", b(0xA9), 0, -2, 4, WDQ, false, 0, AF, 0));
        f.add(new Form("test Eb,Ib", b(0xF6), 0, 0, 1, B, false, 0, AF, 0));
        f.add(new Form("test Ev,Iz", b(0xF7), 0, 0, 4, WDQ, false, 0, AF, 0));
        f.add(new Form("inc Eb", b(0xFE), 0, 0, 0, B, false, 0, 0, 0));
        f.add(new Form("dec Eb", b(0xFE), 0, 1, 0, B, false, 0, 0, 0));
        f.add(new Form("inc Ev", b(0xFF), 0, 0, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("dec Ev", b(0xFF), 0, 1, 0, WDQ, false, 0, 0, 0));
        String[] g3 = {"", "", "not", "neg", "mul", "imul", "div", "idiv"};
        for (int r = 2; r < 8; r++) {
            long und = r == 2 || r == 3 ? 0 : r < 6 ? SF | ZF | AF | PF : ALL;
            int kind = r >= 6 ? 4 : 0;
            f.add(new Form(g3[r] + " Eb", b(0xF6), 0, r, 0, B, false, 0, und, kind));
            f.add(new Form(g3[r] + " Ev", b(0xF7), 0, r, 0, WDQ, false, 0, und, kind));
        }
        long mulUnd = SF | ZF | AF | PF;
        f.add(new Form("imul Gv,Ev", b(0x0F, 0xAF), 0, -1, 0, WDQ, false, 0, mulUnd, 0));
        f.add(new Form("imul Gv,Ev,Iz", b(0x69), 0, -1, 4, WDQ, false, 0, mulUnd, 0));
        f.add(new Form("imul Gv,Ev,Ib", b(0x6B), 0, -1, 1, WDQ, false, 0, mulUnd, 0));
        String[] sh = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
        for (int r = 0; r < 8; r++) {
            int kind = r < 4 ? 2 : 1;
            f.add(new Form(sh[r] + " Eb,Ib", b(0xC0), 0, r, 1, B, false, 0, 0, kind));
            f.add(new Form(sh[r] + " Ev,Ib", b(0xC1), 0, r, 1, WDQ, false, 0, 0, kind));
            f.add(new Form(sh[r] + " Eb,1", b(0xD0), 0, r, 0, B, false, 0, 0, kind));
            f.add(new Form(sh[r] + " Ev,1", b(0xD1), 0, r, 0, WDQ, false, 0, 0, kind));
            f.add(new Form(sh[r] + " Eb,CL", b(0xD2), 0, r, 0, B, false, 0, 0, kind));
            f.add(new Form(sh[r] + " Ev,CL", b(0xD3), 0, r, 0, WDQ, false, 0, 0, kind));
        }
        f.add(new Form("shld Ev,Gv,Ib", b(0x0F, 0xA4), 0, -1, 1, WDQ, false, 0, 0, 3));
        f.add(new Form("shld Ev,Gv,CL", b(0x0F, 0xA5), 0, -1, 0, WDQ, false, 0, 0, 3));
        f.add(new Form("shrd Ev,Gv,Ib", b(0x0F, 0xAC), 0, -1, 1, WDQ, false, 0, 0, 3));
        f.add(new Form("shrd Ev,Gv,CL", b(0x0F, 0xAD), 0, -1, 0, WDQ, false, 0, 0, 3));
        f.add(new Form("mov Eb,Gb", b(0x88), 0, -1, 0, B, false, 0, 0, 0));
        f.add(new Form("mov Ev,Gv", b(0x89), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("mov Gb,Eb", b(0x8A), 0, -1, 0, B, false, 0, 0, 0));
        f.add(new Form("mov Gv,Ev", b(0x8B), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("mov Eb,Ib", b(0xC6), 0, 0, 1, B, false, 0, 0, 0));
        f.add(new Form("mov Ev,Iz", b(0xC7), 0, 0, 4, WDQ, false, 0, 0, 0));
        f.add(new Form("mov Zb,Ib", b(0xB0), 0, -2, 1, B, true, 0, 0, 0));
        f.add(new Form("mov Zv,Iv", b(0xB8), 0, -2, 8, WDQ, true, 0, 0, 0));
        f.add(new Form("movzx Gv,Eb", b(0x0F, 0xB6), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("movzx Gv,Ew", b(0x0F, 0xB7), 0, -1, 0, D | Q, false, 0, 0, 0));
        f.add(new Form("movsx Gv,Eb", b(0x0F, 0xBE), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("movsx Gv,Ew", b(0x0F, 0xBF), 0, -1, 0, D | Q, false, 0, 0, 0));
        f.add(new Form("movsxd Gv,Ed", b(0x63), 0, -1, 0, D | Q, false, 0, 0, 0));
        f.add(new Form("lea Gv,M", b(0x8D), 0, -1, 0, WDQ, false, 1, 0, 0));
        f.add(new Form("xchg Eb,Gb", b(0x86), 0, -1, 0, B, false, 0, 0, 0));
        f.add(new Form("xchg Ev,Gv", b(0x87), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("xchg Zv,rAX", b(0x90), 0, -2, 0, WDQ, true, 0, 0, 0));
        f.add(new Form("xadd Eb,Gb", b(0x0F, 0xC0), 0, -1, 0, B, false, 0, 0, 0));
        f.add(new Form("xadd Ev,Gv", b(0x0F, 0xC1), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("cmpxchg Eb,Gb", b(0x0F, 0xB0), 0, -1, 0, B, false, 0, 0, 0));
        f.add(new Form("cmpxchg Ev,Gv", b(0x0F, 0xB1), 0, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("cmpxchg8b Mq", b(0x0F, 0xC7), 0, 1, 0, D, false, 1, 0, 0));
        f.add(new Form("cmpxchg16b Mdq", b(0x0F, 0xC7), 0, 1, 0, Q, false, 1, 0, 7));
        f.add(new Form("bswap Zv", b(0x0F, 0xC8), 0, -2, 0, D | Q, true, 0, 0, 0));
        for (int cc = 0; cc < 16; cc++) {
            f.add(new Form("cmov" + cc + " Gv,Ev", b(0x0F, 0x40 + cc), 0, -1, 0, WDQ, false, 0, 0, 0));
            f.add(new Form("set" + cc + " Eb", b(0x0F, 0x90 + cc), 0, 0, 0, B, false, 0, 0, 0));
        }
        f.add(new Form("cbw/cwde/cdqe", b(0x98), 0, -2, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("cwd/cdq/cqo", b(0x99), 0, -2, 0, WDQ, false, 0, 0, 0));
        long btUnd = OF | SF | AF | PF;
        f.add(new Form("bt Ev,Gv", b(0x0F, 0xA3), 0, -1, 0, WDQ, false, 0, btUnd, 6));
        f.add(new Form("bts Ev,Gv", b(0x0F, 0xAB), 0, -1, 0, WDQ, false, 0, btUnd, 6));
        f.add(new Form("btr Ev,Gv", b(0x0F, 0xB3), 0, -1, 0, WDQ, false, 0, btUnd, 6));
        f.add(new Form("btc Ev,Gv", b(0x0F, 0xBB), 0, -1, 0, WDQ, false, 0, btUnd, 6));
        String[] bt = {"bt", "bts", "btr", "btc"};
        for (int r = 4; r < 8; r++) {
            f.add(new Form(bt[r - 4] + " Ev,Ib", b(0x0F, 0xBA), 0, r, 1, WDQ, false, 0, btUnd, 0));
        }
        f.add(new Form("bsf Gv,Ev", b(0x0F, 0xBC), 0, -1, 0, WDQ, false, 0, CF | OF | SF | AF | PF, 8));
        f.add(new Form("bsr Gv,Ev", b(0x0F, 0xBD), 0, -1, 0, WDQ, false, 0, CF | OF | SF | AF | PF, 8));
        f.add(new Form("tzcnt Gv,Ev", b(0x0F, 0xBC), 0xF3, -1, 0, WDQ, false, 0, OF | SF | AF | PF, 0));
        f.add(new Form("lzcnt Gv,Ev", b(0x0F, 0xBD), 0xF3, -1, 0, WDQ, false, 0, OF | SF | AF | PF, 0));
        f.add(new Form("popcnt Gv,Ev", b(0x0F, 0xB8), 0xF3, -1, 0, WDQ, false, 0, 0, 0));
        f.add(new Form("movbe Gv,M", b(0x0F, 0x38, 0xF0), 0, -1, 0, WDQ, false, 1, 0, 0));
        f.add(new Form("movbe M,Gv", b(0x0F, 0x38, 0xF1), 0, -1, 0, WDQ, false, 1, 0, 0));
        f.add(new Form("clc", b(0xF8), 0, -2, 0, D, false, 0, 0, 0));
        f.add(new Form("stc", b(0xF9), 0, -2, 0, D, false, 0, 0, 0));
        f.add(new Form("cmc", b(0xF5), 0, -2, 0, D, false, 0, 0, 0));
        f.add(new Form("sahf", b(0x9E), 0, -2, 0, D, false, 0, 0, 0));
        f.add(new Form("lahf", b(0x9F), 0, -2, 0, D, false, 0, 0, 0));
        String[] str = {"movs", "cmps", "", "stos", "lods", "scas"};
        int[] strOps = {0xA4, 0xA6, 0, 0xAA, 0xAC, 0xAE};
        for (int k = 0; k < strOps.length; k++) {
            if (strOps[k] == 0) {
                continue;
            }
            for (int rep : new int[] {0, 0xF3, 0xF2}) {
                if (rep == 0xF2 && (strOps[k] != 0xA6 && strOps[k] != 0xAE)) {
                    continue;
                }
                String p = rep == 0 ? "" : rep == 0xF3 ? "rep " : "repne ";
                f.add(new Form(p + str[k] + "b", b(strOps[k]), rep, -2, 0, B, false, 0, 0, 5));
                f.add(new Form(p + str[k] + "v", b(strOps[k] + 1), rep, -2, 0, WDQ, false, 0, 0, 5));
            }
        }
        return f;
    }

    /** The SSE/SSE2 (and a few SSSE3/SSE4.1) forms the interpreter implements; memory operands are aligned. */
    static List<Form> sse() {
        List<Form> f = new ArrayList<>();
        int[][] binary = {
            {0xEF, 0x66}, {0xEB, 0x66}, {0xDB, 0x66}, {0xDF, 0x66}, {0x74, 0x66}, {0x75, 0x66}, {0x76, 0x66},
            {0x64, 0x66}, {0xFC, 0x66}, {0xFD, 0x66}, {0xFE, 0x66}, {0xD4, 0x66}, {0xF8, 0x66}, {0xF9, 0x66},
            {0xFA, 0x66}, {0xFB, 0x66}, {0xDA, 0x66}, {0xDE, 0x66}, {0xD8, 0x66}, {0x60, 0x66}, {0x61, 0x66},
            {0x62, 0x66}, {0x6C, 0x66}, {0x68, 0x66}, {0x69, 0x66}, {0x6A, 0x66}, {0x6D, 0x66}, {0x6F, 0x66},
            {0x6F, 0xF3}, {0x7E, 0xF3}, {0x57, 0}, {0x54, 0}, {0x55, 0}, {0x56, 0}, {0x28, 0}, {0x10, 0},
            {0x10, 0xF3}, {0x10, 0xF2}, {0x12, 0}, {0x16, 0}};
        for (int[] o : binary) {
            f.add(new Form(String.format("sse %02x 0f %02x", o[1], o[0]), b(0x0F, o[0]), o[1], -1, 0, D, false, 0,
                    0, 9));
        }
        int[][] stores = {{0x7F, 0x66}, {0x7F, 0xF3}, {0xD6, 0x66}, {0x29, 0}, {0x11, 0}, {0x11, 0xF3}, {0x11, 0xF2}};
        for (int[] o : stores) {
            f.add(new Form(String.format("sse store %02x 0f %02x", o[1], o[0]), b(0x0F, o[0]), o[1], -1, 0, D, false,
                    0, 0, 9));
        }
        f.add(new Form("movlps M,x", b(0x0F, 0x13), 0, -1, 0, D, false, 1, 0, 9));
        f.add(new Form("movhps M,x", b(0x0F, 0x17), 0, -1, 0, D, false, 1, 0, 9));
        f.add(new Form("pshufd x,x/m,Ib", b(0x0F, 0x70), 0x66, -1, 1, D, false, 0, 0, 9));
        f.add(new Form("pshufb x,x/m", b(0x0F, 0x38, 0x00), 0x66, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("palignr x,x/m,Ib", b(0x0F, 0x3A, 0x0F), 0x66, -1, 1, D, false, 0, 0, 9));
        f.add(new Form("ptest x,x/m", b(0x0F, 0x38, 0x17), 0x66, -1, 0, D, false, 0, 0, 9));
        int[][] shifts = {{0x71, 2}, {0x71, 4}, {0x71, 6}, {0x72, 2}, {0x72, 4}, {0x72, 6}, {0x73, 2}, {0x73, 3},
            {0x73, 6}, {0x73, 7}};
        for (int[] o : shifts) {
            f.add(new Form(String.format("pshift 0f %02x /%d", o[0], o[1]), b(0x0F, o[0]), 0x66, o[1], 1, D, false, 2,
                    0, 9));
        }
        for (int pfx : new int[] {0xF2, 0xF3}) {
            for (int op : new int[] {0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F}) {
                f.add(new Form(String.format("scalar %02x 0f %02x", pfx, op), b(0x0F, op), pfx, -1, 0, D, false, 0, 0,
                        9));
            }
            f.add(new Form(String.format("cvtsi2s %02x", pfx), b(0x0F, 0x2A), pfx, -1, 0, D | Q, false, 0, 0, 11));
            f.add(new Form(String.format("cvtts2si %02x", pfx), b(0x0F, 0x2C), pfx, -1, 0, D | Q, false, 0, 0, 10));
            f.add(new Form(String.format("cvts2si %02x", pfx), b(0x0F, 0x2D), pfx, -1, 0, D | Q, false, 0, 0, 10));
        }
        for (int pfx : new int[] {0, 0x66}) {
            for (int op : new int[] {0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F, 0x14, 0x15, 0x5A, 0x5B}) {
                f.add(new Form(String.format("packed %02x 0f %02x", pfx, op), b(0x0F, op), pfx, -1, 0, D, false, 0, 0,
                        9));
            }
            f.add(new Form(String.format("cmpp %02x", pfx), b(0x0F, 0xC2), pfx, -1, 1, D, false, 0, 0, 9));
            f.add(new Form(String.format("shufp %02x", pfx), b(0x0F, 0xC6), pfx, -1, 1, D, false, 0, 0, 9));
            f.add(new Form(String.format("movmskp %02x", pfx), b(0x0F, 0x50), pfx, -1, 0, D | Q, false, 2, 0, 10));
            f.add(new Form(String.format("andp %02x", pfx), b(0x0F, 0x54), pfx, -1, 0, D, false, 0, 0, 9));
        }
        for (int pfx : new int[] {0xF2, 0xF3}) {
            f.add(new Form(String.format("cmps %02x", pfx), b(0x0F, 0xC2), pfx, -1, 1, D, false, 0, 0, 9));
            f.add(new Form(String.format("cvts2s %02x", pfx), b(0x0F, 0x5A), pfx, -1, 0, D, false, 0, 0, 9));
        }
        for (int op : new int[] {0x63, 0x65, 0x66, 0x67, 0x6B, 0xD1, 0xD2, 0xD3, 0xD5, 0xD9, 0xDC, 0xDD, 0xE0,
            0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEC, 0xED, 0xEE, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6}) {
            f.add(new Form(String.format("packed int 66 0f %02x", op), b(0x0F, op), 0x66, -1, 0, D, false, 0, 0, 9));
        }
        f.add(new Form("pshuflw", b(0x0F, 0x70), 0xF2, -1, 1, D, false, 0, 0, 9));
        f.add(new Form("pshufhw", b(0x0F, 0x70), 0xF3, -1, 1, D, false, 0, 0, 9));
        f.add(new Form("pinsrw", b(0x0F, 0xC4), 0x66, -1, 1, D, false, 0, 0, 11));
        f.add(new Form("pextrw", b(0x0F, 0xC5), 0x66, -1, 1, D | Q, false, 2, 0, 10));
        f.add(new Form("movntdq", b(0x0F, 0xE7), 0x66, -1, 0, D, false, 1, 0, 9));
        f.add(new Form("movntps", b(0x0F, 0x2B), 0, -1, 0, D, false, 1, 0, 9));
        f.add(new Form("movntpd", b(0x0F, 0x2B), 0x66, -1, 0, D, false, 1, 0, 9));
        f.add(new Form("movnti", b(0x0F, 0xC3), 0, -1, 0, D | Q, false, 1, 0, 11));
        f.add(new Form("fxsave", b(0x0F, 0xAE), 0, 0, 0, D | Q, false, 1, 0, 9));
        f.add(new Form("stmxcsr", b(0x0F, 0xAE), 0, 3, 0, D, false, 1, 0, 9));
        f.add(new Form("cvttps2dq", b(0x0F, 0x5B), 0xF3, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("cvtdq2pd", b(0x0F, 0xE6), 0xF3, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("cvtpd2dq", b(0x0F, 0xE6), 0xF2, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("cvttpd2dq", b(0x0F, 0xE6), 0x66, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("ucomisd", b(0x0F, 0x2E), 0x66, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("comisd", b(0x0F, 0x2F), 0x66, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("ucomiss", b(0x0F, 0x2E), 0, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("comiss", b(0x0F, 0x2F), 0, -1, 0, D, false, 0, 0, 9));
        f.add(new Form("pmovmskb Gd,x", b(0x0F, 0xD7), 0x66, -1, 0, D | Q, false, 2, 0, 10));
        f.add(new Form("movd/q x,Ev", b(0x0F, 0x6E), 0x66, -1, 0, D | Q, false, 0, 0, 11));
        f.add(new Form("movd/q Ev,x", b(0x0F, 0x7E), 0x66, -1, 0, D | Q, false, 0, 0, 11));
        return f;
    }

    /** The x87 forms: exact ones compared bit for bit, the transcendental ones within a tolerance. */
    static List<Form> x87() {
        List<Form> f = new ArrayList<>();
        int ex = DifferentialHarness.X87_EXACT;
        String[] arith = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};
        String[] iarith = {"fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr"};
        for (int r = 0; r < 8; r++) {
            f.add(new Form(arith[r] + " m32", b(0xD8), 0, r, 0, D, false, 1, 0, ex));
            f.add(new Form(arith[r] + " m64", b(0xDC), 0, r, 0, D, false, 1, 0, ex));
            f.add(new Form(iarith[r] + " m32int", b(0xDA), 0, r, 0, D, false, 1, 0, ex));
            f.add(new Form(iarith[r] + " m16int", b(0xDE), 0, r, 0, D, false, 1, 0, ex));
            f.add(new Form(arith[r] + " st0,sti", b(0xD8), 0, r, 0, D, false, 2, 0, ex));
            f.add(new Form(arith[r] + " sti,st0 (dc)", b(0xDC), 0, r, 0, D, false, 2, 0, ex));
            if (r != 2 && r != 3) {
                f.add(new Form(arith[r] + "p sti,st0", b(0xDE), 0, r, 0, D, false, 2, 0, ex));
            }
        }
        f.add(new Form("fcompp", b(0xDE, 0xD9), 0, -2, 0, D, false, 0, 0, ex));
        String[][] mem = {
            {"D9", "0", "fld m32"}, {"D9", "2", "fst m32"}, {"D9", "3", "fstp m32"}, {"D9", "4", "fldenv"},
            {"D9", "5", "fldcw"}, {"D9", "6", "fnstenv"}, {"D9", "7", "fnstcw"},
            {"DB", "0", "fild m32"}, {"DB", "1", "fisttp m32"}, {"DB", "2", "fist m32"}, {"DB", "3", "fistp m32"},
            {"DB", "5", "fld m80"}, {"DB", "7", "fstp m80"},
            {"DD", "0", "fld m64"}, {"DD", "1", "fisttp m64"}, {"DD", "2", "fst m64"}, {"DD", "3", "fstp m64"},
            {"DD", "4", "frstor"}, {"DD", "6", "fnsave"}, {"DD", "7", "fnstsw m16"},
            {"DF", "0", "fild m16"}, {"DF", "1", "fisttp m16"}, {"DF", "2", "fist m16"}, {"DF", "3", "fistp m16"},
            {"DF", "4", "fbld"}, {"DF", "5", "fild m64"}, {"DF", "6", "fbstp"}, {"DF", "7", "fistp m64"}};
        for (String[] m : mem) {
            f.add(new Form(m[2], b(Integer.parseInt(m[0], 16)), 0, Integer.parseInt(m[1]), 0, D, false, 1, 0, ex));
        }
        String[][] reg = {
            {"D9", "0", "fld sti"}, {"D9", "1", "fxch sti"}, {"DD", "0", "ffree sti"}, {"DD", "2", "fst sti"},
            {"DD", "3", "fstp sti"}, {"DD", "4", "fucom sti"}, {"DD", "5", "fucomp sti"},
            {"DA", "0", "fcmovb"}, {"DA", "1", "fcmove"}, {"DA", "2", "fcmovbe"}, {"DA", "3", "fcmovu"},
            {"DB", "0", "fcmovnb"}, {"DB", "1", "fcmovne"}, {"DB", "2", "fcmovnbe"}, {"DB", "3", "fcmovnu"},
            {"DB", "5", "fucomi"}, {"DB", "6", "fcomi"}, {"DF", "5", "fucomip"}, {"DF", "6", "fcomip"},
            {"DF", "0", "ffreep"}};
        for (String[] r : reg) {
            f.add(new Form(r[2], b(Integer.parseInt(r[0], 16)), 0, Integer.parseInt(r[1]), 0, D, false, 2, 0, ex));
        }
        int[][] fixed = {{0xDA, 0xE9}, {0xDB, 0xE2}, {0xDB, 0xE3}, {0xDF, 0xE0}, {0xD9, 0xD0},
            {0xD9, 0xE0}, {0xD9, 0xE1}, {0xD9, 0xE4}, {0xD9, 0xE5}, {0xD9, 0xE8}, {0xD9, 0xE9}, {0xD9, 0xEA},
            {0xD9, 0xEB}, {0xD9, 0xEC}, {0xD9, 0xED}, {0xD9, 0xEE}, {0xD9, 0xF4}, {0xD9, 0xF5}, {0xD9, 0xF6},
            {0xD9, 0xF7}, {0xD9, 0xF8}, {0xD9, 0xFA}, {0xD9, 0xFC}, {0xD9, 0xFD}, {0x9B}};
        for (int[] o : fixed) {
            f.add(new Form(o.length == 1 ? "fwait" : String.format("x87 %02x %02x", o[0], o[1]),
                    o.length == 1 ? b(o[0]) : b(o[0], o[1]), 0, -2, 0, D, false, 0, 0, ex));
        }
        int ap = DifferentialHarness.X87_APPROXIMATE;
        for (int o : new int[] {0xF0, 0xF1, 0xF2, 0xF3, 0xF9, 0xFB, 0xFE, 0xFF}) {
            f.add(new Form(String.format("x87 d9 %02x (approximate)", o), b(0xD9, o), 0, -2, 0, D, false, 0, 0, ap));
        }
        return f;
    }

    /** The MMX forms (no mandatory prefix; MM registers alias the x87 significands). */
    static List<Form> mmx() {
        List<Form> f = new ArrayList<>();
        int[] binary = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6F, 0x74, 0x75,
            0x76, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE0, 0xE1, 0xE2,
            0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6,
            0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE, 0x7F};
        for (int op : binary) {
            f.add(new Form(String.format("mmx 0f %02x", op), b(0x0F, op), 0, -1, 0, D, false, 0, 0, 11));
        }
        f.add(new Form("pshufw", b(0x0F, 0x70), 0, -1, 1, D, false, 0, 0, 11));
        f.add(new Form("movd/q mm,Ev", b(0x0F, 0x6E), 0, -1, 0, D | Q, false, 0, 0, 11));
        f.add(new Form("movd/q Ev,mm", b(0x0F, 0x7E), 0, -1, 0, D | Q, false, 0, 0, 11));
        f.add(new Form("pmovmskb Gd,mm", b(0x0F, 0xD7), 0, -1, 0, D, false, 2, 0, 11));
        f.add(new Form("pinsrw mm", b(0x0F, 0xC4), 0, -1, 1, D, false, 0, 0, 11));
        f.add(new Form("pextrw mm", b(0x0F, 0xC5), 0, -1, 1, D, false, 2, 0, 11));
        f.add(new Form("emms", b(0x0F, 0x77), 0, -2, 0, D, false, 0, 0, 11));
        int[][] shifts = {{0x71, 2}, {0x71, 4}, {0x71, 6}, {0x72, 2}, {0x72, 4}, {0x72, 6}, {0x73, 2}, {0x73, 6}};
        for (int[] o : shifts) {
            f.add(new Form(String.format("mmx shift 0f %02x /%d", o[0], o[1]), b(0x0F, o[0]), 0, o[1], 1, D, false,
                    2, 0, 11));
        }
        return f;
    }
}
