package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.ceilDiv;

import io.hvx.storage.block.ImageFormatException;
import java.nio.file.Path;

/** Refuses qcow2 headers hvx cannot read safely, with an error naming the field at fault. */
final class HeaderCheck {
    private HeaderCheck() {}

    /** headerBytes: how many bytes of the header were read (the file may be shorter than a cluster). */
    static void check(Path path, Qcow2Header header, int headerBytes, long fileSize) throws ImageFormatException {
        if (header.magic() != Qcow2Header.MAGIC) {
            throw new ImageFormatException(path + ": not a qcow2 image (bad magic)");
        }
        int version = header.version();
        if (version != 2 && version != 3) {
            throw new ImageFormatException(path + ": unsupported qcow2 version " + version);
        }
        if (version == 3 && headerBytes < 104) {
            throw new ImageFormatException(path + ": file is truncated (" + fileSize + " bytes), no qcow2 v3 header");
        }
        if (version == 3 && (header.headerLength() < 104 || header.headerLength() > headerBytes)) {
            throw new ImageFormatException(path + ": invalid header_length " + header.headerLength());
        }
        int clusterBits = header.clusterBits();
        if (clusterBits < 9 || clusterBits > 21) {
            throw new ImageFormatException(path + ": invalid cluster_bits " + clusterBits + " (must be 9..21)");
        }
        int clusterSize = 1 << clusterBits;
        boolean extL2 = (header.incompatibleFeatures() & Qcow2Header.INCOMPAT_EXTL2) != 0;
        if (extL2 && clusterBits < 14) {
            throw new ImageFormatException(path + ": extended L2 entries need clusters of at least 16 KiB");
        }
        int l2Entries = extL2 ? clusterSize / 16 : clusterSize / 8;
        long size = header.size();
        if (size < 0 || size > Qcow2Image.MAX_SIZE) {
            throw new ImageFormatException(path + ": absurd virtual size " + Long.toUnsignedString(size));
        }
        if (header.cryptMethod() != 0) {
            throw new ImageFormatException(path + ": encrypted qcow2 images are not supported");
        }
        long incompat = header.incompatibleFeatures();
        if ((incompat & ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_COMPRESSION
                | Qcow2Header.INCOMPAT_EXTL2)) != 0) {
            throw new ImageFormatException(path + ": unsupported incompatible features 0x" + Long.toHexString(incompat)
                    + ((incompat & Qcow2Header.INCOMPAT_EXTL2) != 0 ? " (extended L2 entries)" : "")
                    + ((incompat & Qcow2Header.INCOMPAT_DATA_FILE) != 0 ? " (external data file)" : "")
                    + ((incompat & Qcow2Header.INCOMPAT_CORRUPT) != 0 ? " (image is marked corrupt)" : ""));
        }
        if (header.compressionType() != ClusterCodec.TYPE_ZLIB
                && (incompat & Qcow2Header.INCOMPAT_COMPRESSION) == 0) {
            throw new ImageFormatException(path + ": compression type " + header.compressionType()
                    + " is set without the compression-type feature bit");
        }
        if (header.compressionType() > ClusterCodec.TYPE_ZSTD) {
            throw new ImageFormatException(path + ": unknown compression type " + header.compressionType());
        }
        int order = header.refcountOrder();
        if (order < 0 || order > 6) {
            throw new ImageFormatException(path + ": invalid refcount_order " + order);
        }
        long l1Needed = ceilDiv(ceilDiv(size, clusterSize), l2Entries);
        long l1Size = Integer.toUnsignedLong(header.l1Size());
        if (l1Size < l1Needed) {
            throw new ImageFormatException(path + ": L1 table too small (" + l1Size + " entries for "
                    + size + " bytes)");
        }
        if (l1Size * 8 > Qcow2Image.MAX_L1_BYTES) {
            throw new ImageFormatException(path + ": L1 table of " + l1Size + " entries is too large");
        }
        long l1Off = header.l1TableOffset();
        if (l1Size > 0 && (l1Off <= 0 || (l1Off & (clusterSize - 1)) != 0 || l1Off + l1Size * 8 > fileSize)) {
            throw new ImageFormatException(path + ": L1 table offset 0x" + Long.toHexString(l1Off)
                    + " is invalid or past the end of the file");
        }
    }
}
