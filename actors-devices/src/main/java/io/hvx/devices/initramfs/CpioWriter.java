package io.hvx.devices.initramfs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format (magic 070701) that the Linux kernel unpacks as an
 * initramfs: directories, regular files, symbolic links and device nodes, owned by root.
 *
 * <pre>
 * "070701" ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
 *          (13 fields of 8 hex digits) name NUL, padded to 4 bytes; data, padded to 4 bytes
 * </pre>
 * The archive ends with the entry "TRAILER!!!" once {@link #finish()} is called.
 */
public final class CpioWriter implements AutoCloseable {

    public static final int DIRECTORY = 0040000;
    public static final int REGULAR = 0100000;
    public static final int SYMLINK = 0120000;
    public static final int CHAR_DEVICE = 0020000;

    private final OutputStream out;
    private final long mtime;
    private long written;
    private int inode = 1;
    private boolean finished;

    /** Writes to {@code out}; every entry gets modification time {@code mtime} (seconds since the epoch). */
    public CpioWriter(OutputStream out, long mtime) {
        this.out = out;
        this.mtime = mtime;
    }

    public void directory(String path, int permissions) throws IOException {
        entry(path, DIRECTORY | (permissions & 07777), 2, new byte[0], 0, 0);
    }

    public void file(String path, int permissions, byte[] data) throws IOException {
        entry(path, REGULAR | (permissions & 07777), 1, data, 0, 0);
    }

    public void symlink(String path, String target) throws IOException {
        entry(path, SYMLINK | 0777, 1, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    public void charDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, CHAR_DEVICE | (permissions & 07777), 1, new byte[0], major, minor);
    }

    /** Writes the trailer; the archive is complete afterwards. */
    public void finish() throws IOException {
        if (!finished) {
            inode = 0;
            header("TRAILER!!!", 0, 1, 0, 0, 0);
            finished = true;
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        finish();
        out.close();
    }

    private void entry(String path, int mode, int links, byte[] data, int rdevMajor, int rdevMinor) throws IOException {
        if (finished) {
            throw new IllegalStateException("the archive is finished");
        }
        String name = path.startsWith("/") ? path.substring(1) : path;
        if (name.isEmpty() || name.contains("\0")) {
            throw new IllegalArgumentException("'%s' is not a valid archive member name".formatted(path));
        }
        header(name, mode, links, data.length, rdevMajor, rdevMinor);
        out.write(data);
        written += data.length;
        pad();
    }

    private void header(String name, int mode, int links, long size, int rdevMajor, int rdevMinor) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110);
        h.append("070701");
        for (long field : new long[] {inode++, mode, 0, 0, links, mtime, size, 0, 0, rdevMajor, rdevMinor,
            nameBytes.length + 1, 0}) {
            String hex = Long.toHexString(field).toUpperCase();
            h.append("0".repeat(8 - hex.length())).append(hex);
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(nameBytes);
        out.write(0);
        written += 110 + nameBytes.length + 1;
        pad();
    }

    private void pad() throws IOException {
        while ((written & 3) != 0) {
            out.write(0);
            written++;
        }
    }
}
