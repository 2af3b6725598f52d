package io.hvx.devices.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds bzImage headers field by field from the boot protocol document, so each can be broken on purpose. */
final class SyntheticBzImage {

    int setupSectors = 1;
    int version = 0x020f;
    int loadFlags = 0x01;
    int xloadFlags = 0x03;
    long preferred = 0x100_0000L;
    long initSize = 0x40_0000L;
    long initrdMax = 0x7fff_ffffL;
    int cmdlineSize = 2047;
    int payloadLength = 0x1000;
    boolean magic = true;

    byte[] build() {
        int kernelOffset = (setupSectors + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(kernelOffset + payloadLength + 0x100).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSectors);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x200, (byte) 0xeb);
        b.put(0x201, (byte) 0x6a); // jump over the header: it ends at 0x26c
        if (magic) {
            b.put(0x202, (byte) 'H').put(0x203, (byte) 'd').put(0x204, (byte) 'r').put(0x205, (byte) 'S');
        }
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) loadFlags);
        b.putInt(0x22c, (int) initrdMax);
        b.putInt(0x230, 0x20_0000);
        b.put(0x234, (byte) 1);
        b.put(0x235, (byte) 21);
        b.putShort(0x236, (short) xloadFlags);
        b.putInt(0x238, cmdlineSize);
        b.putInt(0x248, 0x100);
        b.putInt(0x24c, payloadLength);
        b.putLong(0x258, preferred);
        b.putInt(0x260, (int) initSize);
        for (int i = kernelOffset; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 7));
        }
        return b.array();
    }
}
