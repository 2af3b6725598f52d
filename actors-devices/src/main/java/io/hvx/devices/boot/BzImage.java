package io.hvx.devices.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A parsed Linux bzImage: the setup header fields the 64-bit direct boot needs, and where the
 * protected-mode kernel starts in the file (see Documentation/arch/x86/boot.rst).
 *
 * <pre>
 * 0x1f1 setup_sects   0x202 "HdrS"         0x206 version       0x211 loadflags
 * 0x22c initrd_addr_max  0x230 kernel_alignment  0x234 relocatable  0x236 xloadflags
 * 0x238 cmdline_size  0x258 pref_address   0x260 init_size
 * </pre>
 */
public record BzImage(byte[] image, int setupSectors, int version, int loadFlags, int xloadFlags,
                      long initrdAddressMax, long kernelAlignment, boolean relocatable, int cmdlineSize,
                      long preferredAddress, long initSize) {

    /** The oldest boot protocol hvx loads: 2.12 added xloadflags (64-bit entry, loading above 4 GiB). */
    public static final int MIN_VERSION = 0x020c;
    public static final int XLF_KERNEL_64 = 1;
    public static final int LOADED_HIGH = 1;

    static final int SETUP_SECTS = 0x1f1;
    static final int BOOT_FLAG = 0x1fe;
    static final int HEADER_MAGIC = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int HEAP_END_PTR = 0x224;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** The setup header occupies the boot sector from 0x1f1 to 0x202 + the byte at 0x201. */
    static final int HEADER_START = SETUP_SECTS;

    /** Parses and validates {@code image}; every way it can be unusable becomes a one-line message. */
    public static BzImage parse(byte[] image) throws KernelImageException {
        if (image.length < 0x400) {
            throw new KernelImageException("not a bzImage: only %d bytes, shorter than a setup header".formatted(image.length));
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getShort(BOOT_FLAG) != (short) 0xaa55 || b.getInt(HEADER_MAGIC) != 0x53726448) {
            throw new KernelImageException("not a bzImage: no boot sector signature 0xAA55 and setup header magic \"HdrS\"");
        }
        int version = b.getShort(VERSION) & 0xffff;
        if (version < MIN_VERSION) {
            throw new KernelImageException("boot protocol %d.%02d is too old: hvx needs 2.12 or newer (64-bit entry)"
                .formatted(version >> 8, version & 0xff));
        }
        int xloadFlags = b.getShort(XLOADFLAGS) & 0xffff;
        if ((xloadFlags & XLF_KERNEL_64) == 0) {
            throw new KernelImageException("this kernel has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64): is it a 32-bit kernel?");
        }
        int loadFlags = image[LOADFLAGS] & 0xff;
        if ((loadFlags & LOADED_HIGH) == 0) {
            throw new KernelImageException("not a bzImage: a zImage loads at 0x10000, hvx only loads bzImages");
        }
        int setupSectors = image[SETUP_SECTS] & 0xff;
        if (setupSectors == 0) {
            setupSectors = 4;
        }
        long kernelOffset = (setupSectors + 1L) * 512;
        if (kernelOffset >= image.length) {
            throw new KernelImageException("truncated bzImage: %d bytes, but its setup alone claims %d"
                .formatted(image.length, kernelOffset));
        }
        int payloadLength = b.getInt(0x24c);
        int payloadOffset = b.getInt(0x248);
        if (Integer.toUnsignedLong(payloadOffset) + Integer.toUnsignedLong(payloadLength) > image.length - kernelOffset) {
            throw new KernelImageException("truncated bzImage: the compressed kernel should end at byte %d, the file has %d"
                .formatted(kernelOffset + Integer.toUnsignedLong(payloadOffset) + Integer.toUnsignedLong(payloadLength), image.length));
        }
        return new BzImage(image, setupSectors, version, loadFlags, xloadFlags,
            Integer.toUnsignedLong(b.getInt(INITRD_ADDR_MAX)), Integer.toUnsignedLong(b.getInt(KERNEL_ALIGNMENT)),
            image[RELOCATABLE] != 0, b.getInt(CMDLINE_SIZE), b.getLong(PREF_ADDRESS),
            Integer.toUnsignedLong(b.getInt(INIT_SIZE)));
    }

    /** Offset in the file of the protected-mode kernel. */
    public int kernelOffset() {
        return (setupSectors + 1) * 512;
    }

    /** Length of the protected-mode kernel. */
    public int kernelLength() {
        return image.length - kernelOffset();
    }

    /** Where the compressed kernel starts, relative to {@link #kernelOffset()} (payload_offset). */
    public int payloadOffset() {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(KernelPayload.PAYLOAD_OFFSET);
    }

    /** The compressed kernel's length (payload_length). */
    public int payloadLength() {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(KernelPayload.PAYLOAD_LENGTH);
    }

    /** The setup header bytes, from 0x1f1 to its end, as the zero page must carry them. */
    public int headerEnd() {
        return 0x202 + (image[0x201] & 0xff);
    }

    /** The version as "major.minor". */
    public String versionString() {
        return "%d.%02d".formatted(version >> 8, version & 0xff);
    }
}
