package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.alignUp;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The internal snapshot table: per snapshot a 40-byte record (L1 offset and size, id and name lengths, date,
 * VM state size, extra data size) followed by extra data, id and name, padded to 8 bytes.
 */
final class SnapshotTable {
    private static final int MAX_SNAPSHOTS = 65536;

    private SnapshotTable() {}

    static List<Qcow2Image.Snapshot> read(ImageFile file, Qcow2Header header, long fileSize, int maxL1Bytes)
            throws IOException {
        int n = header.nbSnapshots();
        List<Qcow2Image.Snapshot> list = new ArrayList<>();
        if (n == 0) {
            return list;
        }
        if (n < 0 || n > MAX_SNAPSHOTS) {
            throw new ImageFormatException(file.path() + ": absurd snapshot count " + Integer.toUnsignedString(n));
        }
        long off = header.snapshotsOffset();
        ByteBuffer b = ByteBuffer.allocate(40);
        for (int i = 0; i < n; i++) {
            if (off < 0 || off + 40 > fileSize) {
                throw new ImageFormatException(file.path() + ": snapshot table runs past the end of the file");
            }
            file.readFully(b.clear(), off);
            long l1Off = b.getLong(0);
            int l1Size = b.getInt(8);
            int idLen = b.getShort(12) & 0xffff;
            int nameLen = b.getShort(14) & 0xffff;
            long date = b.getInt(16) & 0xffffffffL;
            long vmState = b.getInt(32) & 0xffffffffL;
            int extra = b.getInt(36);
            if (extra < 0 || extra > 1024 || l1Size < 0 || (long) l1Size * 8 > maxL1Bytes || l1Off < 0
                    || l1Off + (long) l1Size * 8 > fileSize || off + 40 + extra + idLen + nameLen > fileSize) {
                throw new ImageFormatException(file.path() + ": snapshot " + i + " has an invalid table entry");
            }
            ByteBuffer names = ByteBuffer.allocate(idLen + nameLen);
            file.readFully(names, off + 40 + extra);
            String id = new String(names.array(), 0, idLen, StandardCharsets.UTF_8);
            String name = new String(names.array(), idLen, nameLen, StandardCharsets.UTF_8);
            list.add(new Qcow2Image.Snapshot(id, name, l1Off, l1Size, date, vmState));
            off = alignUp(off + 40 + extra + idLen + nameLen, 8);
        }
        return List.copyOf(list);
    }

    /** The offset just past the table, so its clusters can be counted as in use. */
    static long end(ImageFile file, Qcow2Header header) throws IOException {
        long off = header.snapshotsOffset();
        ByteBuffer b = ByteBuffer.allocate(40);
        for (int i = 0; i < header.nbSnapshots(); i++) {
            file.readFully(b.clear(), off);
            int idLen = b.getShort(12) & 0xffff;
            int nameLen = b.getShort(14) & 0xffff;
            int extra = b.getInt(36);
            off = alignUp(off + 40 + extra + idLen + nameLen, 8);
        }
        return off;
    }
}
