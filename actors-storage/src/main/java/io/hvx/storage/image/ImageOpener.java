package io.hvx.storage.image;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.qcow2.Qcow2Header;
import io.hvx.storage.qcow2.Qcow2Image;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.vdi.VdiImage;
import io.hvx.storage.vhd.VhdImage;
import io.hvx.storage.vhdx.VhdxImage;
import io.hvx.storage.vmdk.SparseHeader;
import io.hvx.storage.vmdk.VmdkImage;
import io.hvx.storage.vmdk.VmdkSparseImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/** Detects an image's format from its first bytes and opens it, following backing chains. */
public final class ImageOpener {
    /** Longer chains are refused; qemu has no fixed limit but real chains are short and this stops runaways. */
    private static final int MAX_CHAIN = 64;

    private ImageOpener() {}

    /** Reads the magic numbers at the start of a file; anything unrecognised is raw, as qemu-img does. */
    public static ImageFormat detect(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(512);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // keep reading until 512 bytes or EOF
            }
            if (b.position() >= 4 && b.getInt(0) == Qcow2Header.MAGIC) {
                return ImageFormat.QCOW2;
            }
            if (b.position() >= 0x48 && b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0x40)
                    == VdiImage.SIGNATURE) {
                return ImageFormat.VDI;
            }
            if (b.position() >= 8 && new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)
                    .equals("vhdxfile")) {
                return ImageFormat.VHDX;
            }
            if (b.position() >= 8 && new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)
                    .equals("conectix")) {
                // Like qemu, only dynamic VHDs (footer copy at the start) are detected; fixed ones need -f vpc.
                return ImageFormat.VPC;
            }
            if (b.position() >= 4 && b.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0)
                    == SparseHeader.MAGIC) {
                return ImageFormat.VMDK;
            }
            if (VmdkImage.looksLikeDescriptor(b.array(), b.position())) {
                return ImageFormat.VMDK;
            }
            return ImageFormat.RAW;
        } catch (NoSuchFileException e) {
            throw new ImageFormatException("could not open '" + path + "': no such file");
        }
    }

    public static BlockDevice open(Path path, ImageFormat format, boolean readOnly) throws IOException {
        return openChain(path, format == null ? null : format.qemuName(), readOnly, new HashSet<>());
    }

    private static BlockDevice openVmdk(Path path, boolean readOnly) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (var in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && java.nio.ByteBuffer.wrap(head).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0)
                == SparseHeader.MAGIC) {
            return VmdkSparseImage.open(path, readOnly);
        }
        if (VmdkImage.looksLikeDescriptor(head, n)) {
            return VmdkImage.open(path, readOnly);
        }
        throw new ImageFormatException(path + ": not a VMDK (no sparse header and no text descriptor)");
    }

    /** Opens one link of a backing chain; chain holds the real paths already open, to refuse loops. */
    public static BlockDevice openChain(Path path, String formatName, boolean readOnly, Set<Path> chain)
            throws IOException {
        if (!Files.exists(path)) {
            throw new ImageFormatException("could not open '" + path + "': no such file");
        }
        Path real = path.toRealPath();
        if (!chain.add(real)) {
            throw new ImageFormatException("backing chain loops back to '" + path + "'");
        }
        if (chain.size() > MAX_CHAIN) {
            throw new ImageFormatException("backing chain is longer than " + MAX_CHAIN + " images");
        }
        ImageFormat format = formatName == null ? detect(path) : ImageFormat.byName(formatName);
        return switch (format) {
            case RAW -> RawImage.open(path, readOnly);
            case QCOW2 -> Qcow2Image.open(path, readOnly, chain);
            case VMDK -> openVmdk(path, readOnly);
            case VPC -> VhdImage.open(path, readOnly, chain);
            case VDI -> VdiImage.open(path, readOnly);
            case VHDX -> VhdxImage.open(path, readOnly);
        };
    }
}
