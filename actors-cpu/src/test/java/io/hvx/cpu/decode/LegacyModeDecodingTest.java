package io.hvx.cpu.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** 16- and 32-bit code as system mode decodes it (encodings from the SDM's ModRM tables). */
class LegacyModeDecodingTest {
    private static Instruction decode(int mode, int... bytes) {
        Instruction i = new Instruction();
        Decoder.decode(a -> bytes[(int) a] & 0xFF, 0, i, mode);
        return i;
    }

    @Test
    void sixteen_bit_bp_addressing_defaults_to_ss_with_word_operands() {
        Instruction i = decode(Decoder.MODE_16, 0x8B, 0x46, 0x02); // mov ax,[bp+2]
        assertEquals(Op.MOV, i.op);
        assertEquals(2, i.opSize);
        assertEquals(2, i.addrSize);
        assertEquals(5, i.base);
        assertEquals(-1, i.index);
        assertEquals(2, i.disp);
        assertEquals(Instruction.SEG_SS, i.segment);
        assertEquals(3, i.length);
    }

    @Test
    void sixteen_bit_bx_si_addressing_defaults_to_ds_and_66_selects_32_bit_operands() {
        Instruction i = decode(Decoder.MODE_16, 0x66, 0x8B, 0x00); // mov eax,[bx+si]
        assertEquals(4, i.opSize);
        assertEquals(3, i.base);
        assertEquals(6, i.index);
        assertEquals(Instruction.SEG_DS, i.segment);
    }

    @Test
    void a_segment_override_wins_over_the_default_segment() {
        Instruction i = decode(Decoder.MODE_32, 0x26, 0x89, 0x45, 0xFC); // mov es:[ebp-4],eax
        assertEquals(Instruction.SEG_ES, i.segment);
        assertEquals(4, i.addrSize);
        assertEquals(-4, i.disp);
    }

    @Test
    void forty_to_forty_f_are_inc_and_dec_outside_64_bit_mode() {
        assertEquals(Op.INC, decode(Decoder.MODE_32, 0x41).op);
        assertEquals(1, decode(Decoder.MODE_32, 0x41).rm);
        assertEquals(Op.DEC, decode(Decoder.MODE_16, 0x4F).op);
        assertEquals(Op.MOV, decode(Decoder.MODE_64, 0x48, 0x89, 0xC8).op); // REX.W in 64-bit mode
    }

    @Test
    void a_far_jump_carries_offset_and_selector_and_is_undefined_in_64_bit_mode() {
        Instruction i = decode(Decoder.MODE_16, 0x66, 0xEA, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00); // ljmpl $8,$0x12345678
        assertEquals(Op.JMP_FAR, i.op);
        assertEquals(0x12345678L, i.imm);
        assertEquals(8, i.disp);
        assertEquals(8, i.length);
        assertEquals(Op.UD, decode(Decoder.MODE_64, 0xEA, 0, 0, 0, 0, 0, 0).op);
    }
}
