package io.hvx.cpu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DecoderTest {
    private static Instruction decode(int... bytes) {
        return decodeIn(Decoder.MODE_64, bytes);
    }

    private static Instruction decodeIn(int mode, int... bytes) {
        Instruction i = new Instruction();
        Decoder.decode(a -> a - 0x1000 < bytes.length ? bytes[(int) (a - 0x1000)] & 0xFF : 0x90, 0x1000, i, mode);
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
        assertEquals(Op.SSSE3, p.op);
        assertEquals(3, p.imm);
        assertEquals(6, p.length);
    }

    @Test
    void vex_bmi_forms_decode_with_their_extra_register_and_wide_operand() {
        // andn rax, r15, [rbx+8]: C4 (R X B inverted, map 0F38) (W=1, vvvv=~15, L=0, pp=0) F2 /r
        Instruction i = decode(0xC4, 0xE2, 0x80, 0xF2, 0x43, 0x08);
        assertEquals(Op.BMI, i.op);
        assertTrue(i.vex);
        assertEquals(15, i.vvvv);
        assertEquals(8, i.opSize);
        assertEquals(0, i.reg);
        assertEquals(3, i.base);
        assertEquals(8, i.disp);
        assertEquals(6, i.length);
        // rorx r9d, eax, 5 (VEX.R clear selects r9, pp=F2, map 0F3A)
        Instruction r = decode(0xC4, 0x63, 0x7B, 0xF0, 0xC8, 0x05);
        assertEquals(Op.BMI, r.op);
        assertEquals(9, r.reg);
        assertEquals(4, r.opSize);
        assertEquals(5, r.imm);
        assertEquals(3, r.vexPp);
    }

    @Test
    void vex_forms_other_than_bmi_are_undefined() {
        assertEquals(Op.UD, decode(0xC5, 0xF8, 0x58, 0xC1).op); // vaddps xmm0,xmm0,xmm1
        assertEquals(Op.UD, decode(0xC4, 0xE2, 0x79, 0x00, 0xC1).op); // vpshufb
        assertEquals(Op.UD, decode(0x66, 0xC4, 0xE2, 0x78, 0xF2, 0xC1).op); // a legacy prefix before VEX
        assertEquals(Op.UD, decode(0x48, 0xC4, 0xE2, 0x78, 0xF2, 0xC1).op); // REX before VEX
    }

    @Test
    void c4_and_c5_with_a_memory_operand_outside_64_bit_mode_are_les_and_lds_not_vex() {
        Instruction les = decodeIn(Decoder.MODE_32, 0xC4, 0x03);
        assertTrue(!les.vex);
        assertEquals(0xC4, les.opcode);
        Instruction vex = decodeIn(Decoder.MODE_32, 0xC4, 0xE2, 0xF8, 0xF2, 0xC1); // andn eax, eax, ecx (W ignored)
        assertTrue(vex.vex);
        assertEquals(Op.BMI, vex.op);
        assertEquals(4, vex.opSize);
        assertEquals(4, decodeIn(Decoder.MODE_16, 0xC4, 0xE2, 0x78, 0xF2, 0xC1).opSize, "no 16-bit VEX forms");
    }

    @Test
    void crc32_takes_a_register_source_where_movbe_needs_memory() {
        Instruction c = decode(0xF2, 0x48, 0x0F, 0x38, 0xF1, 0xC1); // crc32 rax, rcx
        assertEquals(Op.CRC32, c.op);
        assertEquals(8, c.opSize);
        assertEquals(Op.UD, decode(0x0F, 0x38, 0xF0, 0xC1).op); // movbe with a register: #UD
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
