package io.hvx.devices.boot;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * The compressed kernel inside a bzImage (payload_offset/payload_length of the setup header), decompressed on the
 * host so the guest need not run the kernel's own decompressor, which costs billions of instructions on a software
 * CPU. The format is told by its magic number; formats hvx does not decompress yield nothing, and the caller falls
 * back to entering the bzImage.
 */
public final class KernelPayload {

    static final int PAYLOAD_OFFSET = 0x248;
    static final int PAYLOAD_LENGTH = 0x24c;
    /** Bigger than any vmlinux a bzImage can describe (init_size is 32-bit, kernels are tens of MiB). */
    static final int MAX_VMLINUX = 512 << 20;

    private KernelPayload() {
    }

    /** The compression of a payload, by magic number. */
    public enum Format { XZ, GZIP, OTHER }

    /** The payload's format. */
    public static Format format(BzImage kernel) {
        byte[] p = kernel.image();
        int at = payloadStart(kernel);
        if (matches(p, at, 0xfd, '7', 'z', 'X', 'Z', 0)) {
            return Format.XZ;
        }
        if (matches(p, at, 0x1f, 0x8b)) {
            return Format.GZIP;
        }
        return Format.OTHER;
    }

    /** The decompressed vmlinux (an ELF file), or empty when the payload's format is not one hvx decompresses. */
    public static Optional<byte[]> vmlinux(BzImage kernel) throws KernelImageException {
        Format format = format(kernel);
        if (format == Format.OTHER) {
            return Optional.empty();
        }
        int at = payloadStart(kernel);
        int length = kernel.payloadLength();
        try (InputStream in = open(format, new ByteArrayInputStream(kernel.image(), at, length))) {
            byte[] out = in.readNBytes(MAX_VMLINUX + 1);
            if (out.length > MAX_VMLINUX) {
                throw new KernelImageException("the compressed kernel unpacks to more than %d MiB; not a kernel hvx loads"
                    .formatted(MAX_VMLINUX >> 20));
            }
            return Optional.of(out);
        } catch (IOException e) {
            throw new KernelImageException("the %s-compressed kernel inside the bzImage is damaged: %s"
                .formatted(format, e.getMessage()));
        }
    }

    private static InputStream open(Format format, InputStream raw) throws IOException {
        return switch (format) {
            // one stream only: the kernel's build appends the uncompressed size after it
            case XZ -> new SingleXZInputStream(raw);
            case GZIP -> new GZIPInputStream(raw, 1 << 16);
            case OTHER -> throw new IllegalArgumentException("no decompressor for " + format);
        };
    }

    private static int payloadStart(BzImage kernel) {
        return kernel.kernelOffset() + kernel.payloadOffset();
    }

    private static boolean matches(byte[] data, int at, int... magic) {
        if (at < 0 || at + magic.length > data.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[at + i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
