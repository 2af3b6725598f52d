package io.hvx.cpu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DecoderTest {
    private static Instruction decode(int... bytes) {
        Instruction i = new Instruction();
        Decoder.decode(a -> a - 0x1000 < bytes.length ? bytes[(int) (a - 0x1000)] & 0xFF : 0x90, 0x1000, i);
        return i;
    }

    @Test
    void sib_with_rex_extensions_and_disp32() {
        // mov r9,[r12+r13*8+0x11223344]
        Instruction i = decode(0x4F, 0x8B, 0x8C, 0xEC, 0x44, 0x33, 0x22, 0x11);
        assertEquals(Op.MOV, i.op);
        assertEquals(8, i.length);
        assertEquals(8, i.opSize);
        assertEquals(9, i.reg);
        assertEquals(12, i.base);
        assertEquals(13, i.index);
        assertEquals(3, i.scale);
        assertEquals(0x11223344L, i.disp);
    }

    @Test
    void rip_relative_operand_with_immediate_after_it() {
        // cmp dword [rip-4],0x7f  (83 /7 ib)
        Instruction i = decode(0x83, 0x3D, 0xFC, 0xFF, 0xFF, 0xFF, 0x7F);
        assertEquals(Op.CMP, i.op);
        assertTrue(i.ripRelative);
        assertEquals(-4, i.disp);
        assertEquals(0x7F, i.imm);
        assertEquals(7, i.length);
    }

    @Test
    void legacy_prefixes_in_any_order_and_rex_only_when_last() {
        // 66 f3 48 a5: rep movsq (REX.W beats 66)
        Instruction i = decode(0x66, 0xF3, 0x48, 0xA5);
        assertEquals(Op.MOVS, i.op);
        assertEquals(8, i.opSize);
        assertTrue((i.prefixes & Instruction.P_REP) != 0);
        // 48 66 89 c0: the REX is followed by a prefix and so ignored: mov ax,ax
        Instruction j = decode(0x48, 0x66, 0x89, 0xC0);
        assertEquals(2, j.opSize);
        assertEquals(4, j.length);
    }

    @Test
    void three_byte_maps_and_fs_segment() {
        // movbe eax,fs:[rbx]
        Instruction i = decode(0x64, 0x0F, 0x38, 0xF0, 0x03);
        assertEquals(Op.MOVBE_LOAD, i.op);
        assertEquals(Instruction.SEG_FS, i.segment);
        assertEquals(5, i.length);
        // palignr xmm0,xmm1,3
        Instruction p = decode(0x66, 0x0F, 0x3A, 0x0F, 0xC1, 0x03);
        assertEquals(Op.PALIGNR, p.op);
        assertEquals(3, p.imm);
        assertEquals(6, p.length);
    }

    @Test
    void mov_imm64_and_16_bit_immediates() {
        Instruction i = decode(0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8);
        assertEquals(0x0807060504030201L, i.imm);
        assertEquals(10, i.length);
        Instruction w = decode(0x66, 0x81, 0xC3, 0x34, 0x12); // add bx,0x1234
        assertEquals(5, w.length);
        assertEquals(0x1234, w.imm);
    }

    @Test
    void undefined_and_overlong_encodings_decode_as_ud() {
        assertEquals(Op.UD, decode(0x0F, 0xFF).op);
        assertEquals(Op.UD, decode(0x8D, 0xC0).op); // LEA with a register operand
        int[] longest = new int[16];
        java.util.Arrays.fill(longest, 0x66);
        assertEquals(Op.UD, decode(longest).op);
    }
}
