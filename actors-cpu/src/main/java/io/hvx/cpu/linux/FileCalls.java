package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestMemory;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The file-system system calls: paths resolved against the process's own cwd, served by java.nio on the host. */
final class FileCalls {
    static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    static final int O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
            O_CLOEXEC = 0x80000, O_PATH = 0x200000;

    private final Task t;

    FileCalls(Task t) {
        this.t = t;
    }

    private GuestMemory mem() {
        return t.image.memory;
    }

    /** A guest path as a host path; null for a bad dirfd; /proc/self/exe names the running executable. */
    Path resolve(int dirfd, String name) {
        if (name.equals("/proc/self/exe") || name.equals("/proc/" + t.pid + "/exe")) {
            return t.image.exe;
        }
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        if (dirfd == AT_FDCWD) {
            return t.cwd.resolve(p).normalize();
        }
        OpenFile f = file(dirfd);
        return f == null || f.path() == null ? null : f.path().resolve(p).normalize();
    }

    OpenFile file(int fd) {
        t.kernel.lock.lock();
        try {
            return t.fds.get(fd);
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private String path(long addr) {
        String s = GuestIo.cString(mem(), addr);
        if (s == null) {
            throw new PathTooLong();
        }
        return s;
    }

    /** A path longer than PATH_MAX: ENAMETOOLONG. */
    static final class PathTooLong extends RuntimeException {
        PathTooLong() {
            super(null, null, false, false);
        }
    }

    int install(OpenFile f, boolean cloexec) {
        t.kernel.lock.lock();
        try {
            int fd = t.fds.allocate(f, 0, cloexec);
            if (fd < 0) {
                f.refs = 1;
                if (--f.refs == 0) {
                    f.release();
                }
            }
            return fd;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    long openat(int dirfd, long pathAddr, int flags, int mode) {
        String name = path(pathAddr);
        if (name.isEmpty()) {
            return -Errno.ENOENT;
        }
        int own = ownDescriptor(name);
        if (own >= 0) {
            return reopen(own, (flags & O_CLOEXEC) != 0);
        }
        Path p = resolve(dirfd, name);
        if (p == null) {
            return -Errno.EBADF;
        }
        boolean cloexec = (flags & O_CLOEXEC) != 0;
        int acc = flags & OpenFile.O_ACCMODE;
        LinkOption[] follow = (flags & O_NOFOLLOW) != 0 ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS}
                : new LinkOption[0];
        boolean exists = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        if (exists && (flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) {
            return -Errno.EEXIST;
        }
        if (Files.isDirectory(p, follow)) {
            if (acc != 0 || (flags & O_CREAT) != 0 && !exists) {
                return -Errno.EISDIR;
            }
            return install(new DirectoryFile(p, flags), cloexec);
        }
        if ((flags & O_DIRECTORY) != 0) {
            return exists ? -Errno.ENOTDIR : -Errno.ENOENT;
        }
        if ((flags & O_NOFOLLOW) != 0 && Files.isSymbolicLink(p)) {
            return -Errno.ELOOP;
        }
        try {
            if (!Files.exists(p)) {
                if ((flags & O_CREAT) == 0) {
                    return -Errno.ENOENT;
                }
                Files.createFile(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        permissions(mode & ~t.umask)));
            }
            boolean device = (FileStat.of(p, true).mode() & 0170000) == OpenFile.S_IFCHR;
            Set<StandardOpenOption> o = new HashSet<>();
            if ((flags & O_PATH) != 0 || acc == 0 || acc == 2) {
                o.add(StandardOpenOption.READ);
            }
            if (acc == 1 || acc == 2) {
                o.add(StandardOpenOption.WRITE);
                if ((flags & O_TRUNC) != 0 && !device) {
                    o.add(StandardOpenOption.TRUNCATE_EXISTING);
                }
            }
            FileChannel ch = FileChannel.open(p, o);
            return install(new HostFile(ch, p, flags, device), cloexec);
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    /**
     * The guest descriptor a /dev/fd/N, /proc/self/fd/N or /dev/std* name refers to, or -1: on the host these
     * names would reach the JVM's own descriptors.
     */
    int ownDescriptor(String name) {
        switch (name) {
            case "/dev/stdin" -> {
                return 0;
            }
            case "/dev/stdout" -> {
                return 1;
            }
            case "/dev/stderr" -> {
                return 2;
            }
            default -> { }
        }
        for (String prefix : List.of("/dev/fd/", "/proc/self/fd/", "/proc/" + t.pid + "/fd/")) {
            if (name.startsWith(prefix) && name.length() > prefix.length() && name.length() < prefix.length() + 5
                    && name.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                return Integer.parseInt(name.substring(prefix.length()));
            }
        }
        return -1;
    }

    /** Opening one of the process's own descriptors by name: the same open file, as Linux gives for pipes. */
    private long reopen(int fd, boolean cloexec) {
        t.kernel.lock.lock();
        try {
            OpenFile f = t.fds.get(fd);
            if (f == null) {
                return -Errno.ENOENT;
            }
            f.refs++;
            int got = t.fds.allocate(f, 0, cloexec);
            if (got < 0) {
                f.refs--;
            }
            return got;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int b = 0; b < 9; b++) {
            if ((mode & (1 << b)) != 0) {
                s.add(order[b]);
            }
        }
        return s;
    }

    long fstatat(int dirfd, long pathAddr, long buf, int flags, boolean statx) {
        String name = path(pathAddr);
        FileStat st;
        int own = ownDescriptor(name);
        if (own >= 0) {
            OpenFile f = file(own);
            if (f == null) {
                return -Errno.ENOENT;
            }
            write(f.stat(), buf, statx);
            return 0;
        }
        if (name.isEmpty()) {
            if ((flags & AT_EMPTY_PATH) == 0) {
                return -Errno.ENOENT;
            }
            OpenFile f = dirfd == AT_FDCWD ? null : file(dirfd);
            if (dirfd == AT_FDCWD) {
                return statPath(t.cwd, true, buf, statx);
            }
            if (f == null) {
                return -Errno.EBADF;
            }
            st = f.stat();
        } else {
            Path p = resolve(dirfd, name);
            if (p == null) {
                return -Errno.EBADF;
            }
            return statPath(p, (flags & AT_SYMLINK_NOFOLLOW) == 0, buf, statx);
        }
        write(st, buf, statx);
        return 0;
    }

    private long statPath(Path p, boolean follow, long buf, boolean statx) {
        try {
            write(FileStat.of(p, follow), buf, statx);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    private void write(FileStat st, long buf, boolean statx) {
        if (statx) {
            st.writeStatx(mem(), buf);
        } else {
            st.write(mem(), buf);
        }
    }

    long fstat(int fd, long buf) {
        OpenFile f = file(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        f.stat().write(mem(), buf);
        return 0;
    }

    long faccessat(int dirfd, long pathAddr, int mode) {
        Path p = resolve(dirfd, path(pathAddr));
        if (p == null) {
            return -Errno.EBADF;
        }
        if (!Files.exists(p)) {
            return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? -Errno.ENOENT : -Errno.ENOENT;
        }
        if ((mode & 4) != 0 && !Files.isReadable(p) || (mode & 2) != 0 && !Files.isWritable(p)
                || (mode & 1) != 0 && !Files.isExecutable(p)) {
            return -Errno.EACCES;
        }
        return 0;
    }

    long readlinkat(int dirfd, long pathAddr, long buf, long size) {
        String name = path(pathAddr);
        String target;
        if (name.equals("/proc/self/exe") || name.equals("/proc/" + t.pid + "/exe")) {
            target = t.image.exe.toAbsolutePath().toString();
        } else if (name.startsWith("/proc/self/fd/")) {
            OpenFile f;
            try {
                f = file(Integer.parseInt(name.substring(14)));
            } catch (NumberFormatException e) {
                return -Errno.ENOENT;
            }
            if (f == null) {
                return -Errno.ENOENT;
            }
            target = f.path() != null ? f.path().toString()
                    : f instanceof PipeEnd pe ? "pipe:[" + pe.pipe.ino + "]" : "/dev/pts/0";
        } else {
            Path p = resolve(dirfd, name);
            if (p == null) {
                return -Errno.EBADF;
            }
            try {
                target = Files.readSymbolicLink(p).toString();
            } catch (IOException e) {
                return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? -Errno.EINVAL : -Errno.of(e);
            } catch (UnsupportedOperationException e) {
                return -Errno.EINVAL;
            }
        }
        byte[] b = target.getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(b.length, size);
        GuestIo.copyIn(mem(), buf, b, n);
        return n;
    }

    long getdents64(int fd, long buf, long count) {
        if (!(file(fd) instanceof DirectoryFile d)) {
            return file(fd) == null ? -Errno.EBADF : -Errno.ENOTDIR;
        }
        List<String> names;
        try {
            names = d.entries();
        } catch (IOException e) {
            return -Errno.of(e);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (d.position < names.size()) {
            String name = names.get(d.position);
            byte[] nb = name.getBytes(StandardCharsets.UTF_8);
            int reclen = (19 + nb.length + 1 + 7) & ~7;
            if (out.size() + reclen > count) {
                if (out.size() == 0) {
                    return -Errno.EINVAL;
                }
                break;
            }
            long ino = 0;
            int type = 0;
            try {
                FileStat st = FileStat.of(d.path().resolve(name), false);
                ino = st.ino();
                type = switch (st.mode() & 0170000) {
                    case 0040000 -> 4;
                    case 0100000 -> 8;
                    case 0120000 -> 10;
                    case 0020000 -> 2;
                    case 0060000 -> 6;
                    case 0010000 -> 1;
                    case 0140000 -> 12;
                    default -> 0;
                };
            } catch (IOException e) {
                // vanished since the listing: keep the name with type unknown, as a racing readdir may
            }
            byte[] rec = new byte[reclen];
            java.nio.ByteBuffer.wrap(rec).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, ino)
                    .putLong(8, d.position + 1).putShort(16, (short) reclen).put(18, (byte) type);
            System.arraycopy(nb, 0, rec, 19, nb.length);
            out.writeBytes(rec);
            d.position++;
        }
        byte[] b = out.toByteArray();
        GuestIo.copyIn(mem(), buf, b, b.length);
        return b.length;
    }

    long chdir(Path p) {
        if (p == null) {
            return -Errno.EBADF;
        }
        if (!Files.exists(p)) {
            return -Errno.ENOENT;
        }
        if (!Files.isDirectory(p)) {
            return -Errno.ENOTDIR;
        }
        t.cwd = p.toAbsolutePath().normalize();
        return 0;
    }

    long chdir(long pathAddr) {
        return chdir(resolve(AT_FDCWD, path(pathAddr)));
    }

    long fchdir(int fd) {
        OpenFile f = file(fd);
        return f == null ? -Errno.EBADF : chdir(f.path());
    }

    long getcwd(long buf, long size) {
        byte[] cwd = (t.cwd.toString() + "\0").getBytes(StandardCharsets.UTF_8);
        if (cwd.length > size) {
            return -Errno.ERANGE;
        }
        GuestIo.copyIn(mem(), buf, cwd, cwd.length);
        return cwd.length;
    }

    long mkdirat(int dirfd, long pathAddr, int mode) {
        Path p = resolve(dirfd, path(pathAddr));
        if (p == null) {
            return -Errno.EBADF;
        }
        try {
            Files.createDirectory(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    permissions(mode & ~t.umask)));
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long unlinkat(int dirfd, long pathAddr, int flags) {
        Path p = resolve(dirfd, path(pathAddr));
        if (p == null) {
            return -Errno.EBADF;
        }
        boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return -Errno.ENOENT;
        }
        if ((flags & AT_REMOVEDIR) != 0 && !dir) {
            return -Errno.ENOTDIR;
        }
        if ((flags & AT_REMOVEDIR) == 0 && dir) {
            return -Errno.EISDIR;
        }
        try {
            Files.delete(p);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long renameat(int olddir, long oldAddr, int newdir, long newAddr) {
        Path from = resolve(olddir, path(oldAddr));
        Path to = resolve(newdir, path(newAddr));
        if (from == null || to == null) {
            return -Errno.EBADF;
        }
        try {
            if (Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                return -Errno.EISDIR;
            }
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long linkat(int olddir, long oldAddr, int newdir, long newAddr) {
        Path from = resolve(olddir, path(oldAddr));
        Path to = resolve(newdir, path(newAddr));
        if (from == null || to == null) {
            return -Errno.EBADF;
        }
        try {
            Files.createLink(to, from);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long symlinkat(long targetAddr, int newdir, long linkAddr) {
        String target = path(targetAddr);
        Path link = resolve(newdir, path(linkAddr));
        if (link == null) {
            return -Errno.EBADF;
        }
        try {
            Files.createSymbolicLink(link, Path.of(target));
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long fchmodat(int dirfd, long pathAddr, int mode) {
        return chmod(resolve(dirfd, path(pathAddr)), mode);
    }

    long chmod(Path p, int mode) {
        if (p == null) {
            return -Errno.EBADF;
        }
        try {
            Files.setPosixFilePermissions(p, permissions(mode));
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long chown(Path p, int uid, int gid, boolean follow) {
        if (p == null) {
            return -Errno.EBADF;
        }
        LinkOption[] o = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        try {
            if (uid != -1) {
                Files.setAttribute(p, "unix:uid", uid, o);
            }
            if (gid != -1) {
                Files.setAttribute(p, "unix:gid", gid, o);
            }
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long fchownat(int dirfd, long pathAddr, int uid, int gid, int flags) {
        String name = path(pathAddr);
        Path p = name.isEmpty() && (flags & AT_EMPTY_PATH) != 0 ? pathOf(dirfd) : resolve(dirfd, name);
        return chown(p, uid, gid, (flags & AT_SYMLINK_NOFOLLOW) == 0);
    }

    Path pathOf(int fd) {
        OpenFile f = file(fd);
        return f == null ? null : f.path();
    }

    /** utimensat; times of 0 means now; UTIME_NOW and UTIME_OMIT per field. */
    long utimensat(int dirfd, long pathAddr, long times, int flags) {
        Path p = pathAddr == 0 ? pathOf(dirfd) : resolve(dirfd, path(pathAddr));
        if (p == null) {
            return -Errno.EBADF;
        }
        long now = System.currentTimeMillis() * 1_000_000L;
        FileTime[] ft = new FileTime[2];
        for (int k = 0; k < 2; k++) {
            if (times == 0) {
                ft[k] = FileTime.from(now, TimeUnit.NANOSECONDS);
                continue;
            }
            long sec = mem().read64(times + 16L * k);
            long nsec = mem().read64(times + 16L * k + 8);
            if (nsec == (1 << 30) - 1) {
                ft[k] = FileTime.from(now, TimeUnit.NANOSECONDS);
            } else if (nsec != (1 << 30) - 2) {
                ft[k] = FileTime.from(sec * 1_000_000_000L + nsec, TimeUnit.NANOSECONDS);
            }
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return -Errno.ENOENT;
        }
        try {
            LinkOption[] o = (flags & AT_SYMLINK_NOFOLLOW) != 0 ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS}
                    : new LinkOption[0];
            Files.getFileAttributeView(p, BasicFileAttributeView.class, o).setTimes(ft[1], ft[0], null);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long truncate(Path p, long length) {
        if (p == null) {
            return -Errno.EBADF;
        }
        if (length < 0) {
            return -Errno.EINVAL;
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            return truncate(ch, length);
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long ftruncate(int fd, long length) {
        if (!(file(fd) instanceof HostFile h)) {
            return file(fd) == null ? -Errno.EBADF : -Errno.EINVAL;
        }
        try {
            return truncate(h.channel, length);
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    private static long truncate(FileChannel ch, long length) throws IOException {
        long size = ch.size();
        if (length < size) {
            long pos = ch.position();
            ch.truncate(length);
            ch.position(pos);
        } else if (length > size) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), length - 1);
        }
        return 0;
    }

    long truncatePath(long pathAddr, long length) {
        return truncate(resolve(AT_FDCWD, path(pathAddr)), length);
    }

    /** struct statfs (120 bytes) of the file system holding the path or descriptor. */
    long statfs(Path p, long buf) {
        if (p == null) {
            return -Errno.EBADF;
        }
        try {
            FileStore fs = Files.getFileStore(p);
            long bsize = 4096;
            java.nio.ByteBuffer w = java.nio.ByteBuffer.allocate(120).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            w.putLong(0, 0xEF53).putLong(8, bsize).putLong(16, fs.getTotalSpace() / bsize)
                    .putLong(24, fs.getUnallocatedSpace() / bsize).putLong(32, fs.getUsableSpace() / bsize)
                    .putLong(40, 1 << 20).putLong(48, 1 << 19).putLong(64, 255).putLong(72, bsize);
            GuestIo.copyIn(mem(), buf, w.array(), 120);
            return 0;
        } catch (IOException e) {
            return -Errno.of(e);
        }
    }

    long statfsPath(long pathAddr, long buf) {
        return statfs(resolve(AT_FDCWD, path(pathAddr)), buf);
    }
}
