package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.alignUp;

import io.hvx.storage.block.ImageFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The optional parts of a qcow2 header: extensions after the fixed fields, and the backing file name. */
final class HeaderExtensions {
    private HeaderExtensions() {}

    /** The backing format extension's value, or null; hb holds the header cluster's first bytes. */
    static String backingFormat(Path path, Qcow2Header header, ByteBuffer hb) throws ImageFormatException {
        String fmt = null;
        int pos = header.headerLength();
        int limit = hb.limit();
        if (header.backingFileOffset() > 0 && header.backingFileOffset() < limit) {
            limit = (int) header.backingFileOffset();
        }
        while (pos + 8 <= limit) {
            int type = hb.getInt(pos);
            int len = hb.getInt(pos + 4);
            if (type == Qcow2Header.EXT_END) {
                break;
            }
            if (len < 0 || pos + 8L + len > limit) {
                throw new ImageFormatException(path + ": header extension 0x" + Integer.toHexString(type)
                        + " runs past the header");
            }
            if (type == Qcow2Header.EXT_BACKING_FORMAT) {
                byte[] f = new byte[len];
                hb.get(pos + 8, f);
                fmt = new String(f, StandardCharsets.UTF_8);
            }
            pos += 8 + (int) alignUp(len, 8);
        }
        return fmt;
    }

    /** The backing file name the header points at, or null when there is none. */
    static String backingName(Path path, Qcow2Header header, ByteBuffer hb, long fileSize)
            throws ImageFormatException {
        long off = header.backingFileOffset();
        if (off == 0) {
            return null;
        }
        int len = header.backingFileSize();
        if (len <= 0 || len > 1023 || off < 0 || off + len > fileSize || off + len > hb.limit()) {
            throw new ImageFormatException(path + ": invalid backing file name (offset " + off + ", length "
                    + len + ")");
        }
        byte[] b = new byte[len];
        hb.get((int) off, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
