package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;

/** SSE4.2 CRC32 (F2 0F 38 F0/F1): CRC-32C, reflected, of 1, 2, 4 or 8 source bytes, with no pre- or post-inversion. */
final class Crc32 {
    private static final int[] TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
            }
            TABLE[n] = c;
        }
    }

    private Crc32() {
    }

    static void execute(Interpreter in, long[] regs, Instruction i) {
        int sourceSize = (i.opcode & 0xFF) == 0xF0 ? 1 : i.opSize;
        long v = in.readE(i, sourceSize);
        int crc = (int) regs[i.reg];
        for (int k = 0; k < sourceSize; k++) {
            crc = TABLE[(crc ^ (int) (v >>> (8 * k))) & 0xFF] ^ (crc >>> 8);
        }
        regs[i.reg] = crc & 0xFFFFFFFFL; // the 64-bit form zero-extends the 32-bit CRC
    }
}
