package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.alignUp;
import static io.hvx.storage.qcow2.ImageFile.ceilDiv;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes the header and empty L1 table of a new version 3 qcow2 image. */
final class Qcow2Creator {
    private Qcow2Creator() {}

    /** Creates an empty version 3 image with the given options. */
    static Qcow2Image create(Path path, long size, Qcow2CreateOptions options) throws IOException {
        int clusterBits = options.clusterBits();
        String backingFile = options.backingFile();
        String backingFormat = options.backingFormat();
        int compression = options.compressionTypeCode();
        if (clusterBits < 9 || clusterBits > 21) {
            throw new ImageFormatException("cluster size must be a power of two between 512 and 2M");
        }
        if (size < 0 || size > Qcow2Image.MAX_SIZE) {
            throw new ImageFormatException("invalid image size " + size);
        }
        int cs = 1 << clusterBits;
        if (options.extendedL2() && clusterBits < 14) {
            throw new ImageFormatException("extended L2 entries need a cluster size of at least 16 KiB");
        }
        long l1Entries = ceilDiv(ceilDiv(size, cs), cs / (options.extendedL2() ? 16 : 8));
        if (l1Entries * 8 > Qcow2Image.MAX_L1_BYTES) {
            throw new ImageFormatException("image size " + size + " is too large for cluster size " + cs);
        }
        ByteBuffer hb = ByteBuffer.allocate(cs);
        Qcow2Header h = new Qcow2Header(hb);
        h.magic(Qcow2Header.MAGIC).version(3).clusterBits(clusterBits).size(size).l1Size((int) l1Entries)
                .refcountOrder(4).headerLength(Qcow2Header.V3_LENGTH);
        if (compression != ClusterCodec.TYPE_ZLIB) {
            h.incompatibleFeatures(Qcow2Header.INCOMPAT_COMPRESSION);
            hb.put(104, (byte) compression);
        }
        if (options.extendedL2()) {
            h.incompatibleFeatures(h.incompatibleFeatures() | Qcow2Header.INCOMPAT_EXTL2);
        }
        int pos = Qcow2Header.V3_LENGTH;
        if (backingFile != null && backingFormat != null) {
            byte[] f = backingFormat.getBytes(StandardCharsets.UTF_8);
            hb.putInt(pos, Qcow2Header.EXT_BACKING_FORMAT).putInt(pos + 4, f.length);
            hb.put(pos + 8, f);
            pos += 8 + (int) alignUp(f.length, 8);
        }
        hb.putInt(pos, Qcow2Header.EXT_END).putInt(pos + 4, 0);
        pos += 8;
        if (backingFile != null) {
            byte[] b = backingFile.getBytes(StandardCharsets.UTF_8);
            if (pos + b.length > cs || b.length > 1023) {
                throw new ImageFormatException("backing file name is too long: " + backingFile);
            }
            hb.put(pos, b);
            h.backingFileOffset(pos).backingFileSize(b.length);
        }
        long l1Off = cs;
        h.l1TableOffset(l1Off);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            ImageFile.writeFully(ch, hb.clear(), 0);
            long l1Bytes = alignUp(Math.max(l1Entries * 8, 1), cs);
            ByteBuffer zeros = ByteBuffer.allocate((int) l1Bytes);
            ImageFile.writeFully(ch, zeros, l1Off);
        }
        Qcow2Image img = Qcow2Image.open(path, false);
        img.startFresh(l1Off + alignUp(Math.max(l1Entries * 8, 1), cs));
        return img;
    }
}
