package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/** The fields of Linux's struct stat, read from the host file system or made up for pipes and terminals. */
record FileStat(long dev, long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long atimeNs,
                long mtimeNs, long ctimeNs) {

    /** A pipe, terminal or other object with no host file behind it. */
    static FileStat synthetic(int mode, long ino) {
        long now = System.currentTimeMillis() * 1_000_000L;
        return new FileStat(0x10, ino, mode, 1, (int) Ids.UID, (int) Ids.GID, 0, 0, now, now, now);
    }

    static FileStat of(Path path, boolean follow) throws IOException {
        LinkOption[] opts = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        Map<String, Object> a = Files.readAttributes(path,
                "unix:dev,ino,mode,nlink,uid,gid,rdev,size,lastAccessTime,lastModifiedTime,ctime", opts);
        return new FileStat((Long) a.get("dev"), (Long) a.get("ino"), (Integer) a.get("mode"),
                (Integer) a.get("nlink"), (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("rdev"),
                (Long) a.get("size"), nanos(a.get("lastAccessTime")), nanos(a.get("lastModifiedTime")),
                nanos(a.get("ctime")));
    }

    private static long nanos(Object t) {
        return t instanceof FileTime ft ? ft.to(java.util.concurrent.TimeUnit.NANOSECONDS) : 0;
    }

    /** Writes struct stat (x86-64 layout, 144 bytes). */
    void write(GuestMemory mem, long buf) {
        byte[] b = new byte[144];
        java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        w.putLong(0, dev).putLong(8, ino).putLong(16, nlink).putInt(24, mode).putInt(28, uid).putInt(32, gid)
                .putLong(40, rdev).putLong(48, size).putLong(56, 4096).putLong(64, (size + 511) / 512)
                .putLong(72, atimeNs / 1_000_000_000L).putLong(80, atimeNs % 1_000_000_000L)
                .putLong(88, mtimeNs / 1_000_000_000L).putLong(96, mtimeNs % 1_000_000_000L)
                .putLong(104, ctimeNs / 1_000_000_000L).putLong(112, ctimeNs % 1_000_000_000L);
        GuestIo.copyIn(mem, buf, b, b.length);
    }

    /** Writes struct statx (256 bytes) with every basic field. */
    void writeStatx(GuestMemory mem, long buf) {
        byte[] b = new byte[256];
        java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        w.putInt(0, 0x7FF).putInt(4, 4096).putLong(8, 0).putInt(16, (int) nlink).putInt(20, uid).putInt(24, gid)
                .putShort(28, (short) mode).putLong(32, ino).putLong(40, size).putLong(48, (size + 511) / 512);
        long[] times = {atimeNs, ctimeNs, ctimeNs, mtimeNs}; // atime, btime, ctime, mtime
        for (int k = 0; k < 4; k++) {
            w.putLong(64 + 16 * k, times[k] / 1_000_000_000L).putInt(72 + 16 * k, (int) (times[k] % 1_000_000_000L));
        }
        w.putInt(128, (int) (rdev >>> 8)).putInt(132, (int) (rdev & 0xFF)).putInt(136, (int) (dev >>> 8))
                .putInt(140, (int) (dev & 0xFF));
        GuestIo.copyIn(mem, buf, b, b.length);
    }
}
