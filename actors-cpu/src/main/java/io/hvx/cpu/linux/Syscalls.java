package io.hvx.cpu.linux;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.AccessDeniedException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The Linux system calls a static busybox needs, served from the JVM; unknown ones return -ENOSYS once reported. */
final class Syscalls {
    static final int ENOENT = 2, EBADF = 9, ENOMEM = 12, EACCES = 13, EFAULT = 14, EINVAL = 22, ENOTTY = 25,
            ESPIPE = 29, ENOSYS = 38, EISDIR = 21;
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(7, "poll"), Map.entry(17, "pread64"), Map.entry(22, "pipe"), Map.entry(23, "select"),
            Map.entry(32, "dup"), Map.entry(33, "dup2"), Map.entry(41, "socket"), Map.entry(56, "clone"),
            Map.entry(57, "fork"), Map.entry(58, "vfork"), Map.entry(59, "execve"), Map.entry(61, "wait4"),
            Map.entry(62, "kill"), Map.entry(78, "getdents"), Map.entry(80, "chdir"), Map.entry(82, "rename"),
            Map.entry(83, "mkdir"), Map.entry(87, "unlink"), Map.entry(97, "getrlimit"), Map.entry(131, "sigaltstack"),
            Map.entry(202, "futex"), Map.entry(217, "getdents64"), Map.entry(273, "set_robust_list"),
            Map.entry(293, "pipe2"), Map.entry(302, "prlimit64"), Map.entry(332, "statx"), Map.entry(334, "rseq"),
            Map.entry(435, "clone3"));

    /** Largest single mmap or heap the guest may ask for. */
    static final long MAX_MAPPING = 4L << 30;

    private final LinuxProcess p;
    private final GuestMemory mem;
    private final long[] r;
    private final PrintStream diagnostics;
    private final Object[] fds = new Object[1024];
    private final Set<Integer> reported = new HashSet<>();
    private final java.io.OutputStream stdout;
    private final java.io.OutputStream stderr;

    Syscalls(LinuxProcess p, Stdio stdio, PrintStream diagnostics) {
        this.p = p;
        this.mem = p.memory;
        this.r = p.cpu.regs;
        this.diagnostics = diagnostics;
        stdout = stdio.out();
        stderr = stdio.err();
        fds[0] = stdio.in();
        fds[1] = stdout;
        fds[2] = stderr;
    }

    void flush() {
        try {
            stdout.flush();
            stderr.flush();
        } catch (IOException ignored) {
            // nothing to do: the guest has exited
        }
    }

    /** Serves the syscall in RAX; returns the exit status when the guest exits, else -1. */
    int dispatch() {
        int nr = (int) r[CpuState.RAX];
        long a0 = r[CpuState.RDI];
        long a1 = r[CpuState.RSI];
        long a2 = r[CpuState.RDX];
        long a3 = r[10];
        long a4 = r[8];
        long result;
        try {
            result = switch (nr) {
                case 0 -> read((int) a0, a1, a2);
                case 1 -> write((int) a0, a1, a2);
                case 2 -> open(-100, a0, (int) a1);
                case 3 -> close((int) a0);
                case 4, 6 -> statPath(a0, a1);
                case 5 -> fstat((int) a0, a1);
                case 8 -> lseek((int) a0, a1, (int) a2);
                case 9 -> mmap(a0, a1, (int) a2, (int) a3, (int) a4, r[9]);
                case 10 -> mem.protect(a0, a1, perms((int) a2)) ? 0 : -ENOMEM;
                case 11 -> {
                    mem.unmap(a0, a1);
                    yield 0;
                }
                case 12 -> brk(a0);
                case 13, 14 -> 0; // rt_sigaction, rt_sigprocmask: no signals are delivered yet
                case 16 -> -ENOTTY; // ioctl: TCGETS and TIOCGWINSZ say "not a terminal"
                case 20 -> writev((int) a0, a1, (int) a2);
                case 21 -> Files.exists(Path.of(cString(a0))) ? 0 : -ENOENT;
                case 39, 186 -> ProcessHandle.current().pid();
                case 110 -> 1;
                case 60, 231 -> {
                    yield Long.MIN_VALUE | (a0 & 0xFF);
                }
                case 63 -> uname(a0);
                case 72 -> 0; // fcntl
                case 79 -> getcwd(a0, a1);
                case 89 -> -EINVAL; // readlink: /proc/self/exe is not provided
                case 96 -> {
                    long now = System.currentTimeMillis();
                    if (a0 != 0) {
                        mem.write64(a0, now / 1000);
                        mem.write64(a0 + 8, (now % 1000) * 1000);
                    }
                    yield 0;
                }
                case 102, 104, 107, 108 -> 0;
                case 158 -> archPrctl((int) a0, a1);
                case 201 -> {
                    long t = System.currentTimeMillis() / 1000;
                    if (a0 != 0) {
                        mem.write64(a0, t);
                    }
                    yield t;
                }
                case 218 -> ProcessHandle.current().pid();
                case 228 -> clockGettime((int) a0, a1);
                case 257 -> open((int) a0, a1, (int) a2);
                case 262 -> statPath(a1, a2);
                case 318 -> getrandom(a0, a1);
                case 273 -> 0; // set_robust_list: no threads, nothing to clean up
                case 334, 302 -> -ENOSYS; // rseq, prlimit64: glibc falls back quietly, so no report
                case 157 -> -EINVAL; // prctl
                case 32 -> dup((int) a0, -1);
                case 33, 292 -> dup((int) a0, (int) a1);
                default -> {
                    if (reported.add(nr)) {
                        diagnostics.println("hvx: unimplemented syscall " + NAMES.getOrDefault(nr, "#" + nr)
                                + " returns -ENOSYS");
                    }
                    yield -ENOSYS;
                }
            };
        } catch (GuestFault f) {
            result = -EFAULT;
        }
        if (nr == 60 || nr == 231) {
            return (int) (result & 0xFF);
        }
        r[CpuState.RAX] = result;
        return -1;
    }

    private static int perms(int prot) {
        return ((prot & 1) != 0 ? GuestMemory.READ : 0) | ((prot & 2) != 0 ? GuestMemory.WRITE : 0)
                | ((prot & 4) != 0 ? GuestMemory.EXEC : 0);
    }

    private String cString(long a) {
        StringBuilder s = new StringBuilder();
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int k = 0; k < 4096; k++) {
            int c = mem.read8(a + k);
            if (c == 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private long read(int fd, long buf, long count) throws GuestFault {
        Object f = fd >= 0 && fd < fds.length ? fds[fd] : null;
        if (f == null) {
            return -EBADF;
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        int n;
        try {
            if (f instanceof FileChannel ch) {
                n = ch.read(ByteBuffer.wrap(data));
            } else if (f instanceof java.io.InputStream in) {
                n = in.read(data);
            } else {
                return -EBADF;
            }
        } catch (IOException e) {
            return -5;
        }
        if (n <= 0) {
            return 0;
        }
        for (int k = 0; k < n; k++) {
            mem.write8(buf + k, data[k]);
        }
        return n;
    }

    private long write(int fd, long buf, long count) {
        Object f = fd >= 0 && fd < fds.length ? fds[fd] : null;
        if (f == null) {
            return -EBADF;
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        for (int k = 0; k < data.length; k++) {
            data[k] = (byte) mem.read8(buf + k);
        }
        try {
            if (f instanceof java.io.OutputStream out) {
                out.write(data);
            } else if (f instanceof FileChannel ch) {
                ch.write(ByteBuffer.wrap(data));
            } else {
                return -EBADF;
            }
        } catch (IOException e) {
            return -32; // EPIPE
        }
        return data.length;
    }

    private long writev(int fd, long iov, int count) {
        long total = 0;
        for (int k = 0; k < count; k++) {
            long base = mem.read64(iov + 16L * k);
            long len = mem.read64(iov + 16L * k + 8);
            if (len == 0) {
                continue;
            }
            long n = write(fd, base, len);
            if (n < 0) {
                return total > 0 ? total : n;
            }
            total += n;
        }
        return total;
    }

    private long open(int dirfd, long pathAddr, int flags) {
        String name = cString(pathAddr);
        Path path = Path.of(name);
        if (!path.isAbsolute() && dirfd != -100) {
            return -EINVAL;
        }
        int fd = 3;
        while (fd < fds.length && fds[fd] != null) {
            fd++;
        }
        if (fd == fds.length) {
            return -24; // EMFILE
        }
        try {
            if (Files.isDirectory(path)) {
                return -EISDIR;
            }
            int acc = flags & 3;
            FileChannel ch;
            if (acc == 0) {
                ch = FileChannel.open(path, StandardOpenOption.READ);
            } else {
                java.util.Set<StandardOpenOption> o = new HashSet<>();
                o.add(StandardOpenOption.WRITE);
                if (acc == 2) {
                    o.add(StandardOpenOption.READ);
                }
                if ((flags & 0x40) != 0) {
                    o.add(StandardOpenOption.CREATE);
                }
                if ((flags & 0x200) != 0) {
                    o.add(StandardOpenOption.TRUNCATE_EXISTING);
                }
                if ((flags & 0x400) != 0) {
                    o.add(StandardOpenOption.APPEND);
                }
                ch = FileChannel.open(path, o);
            }
            fds[fd] = ch;
            return fd;
        } catch (NoSuchFileException e) {
            return -ENOENT;
        } catch (AccessDeniedException e) {
            return -EACCES;
        } catch (IOException e) {
            return -5;
        }
    }

    private long dup(int fd, int to) {
        if (fd < 0 || fd >= fds.length || fds[fd] == null || to >= fds.length) {
            return -EBADF;
        }
        if (to < 0) {
            to = 0;
            while (to < fds.length && fds[to] != null) {
                to++;
            }
            if (to == fds.length) {
                return -24; // EMFILE
            }
        }
        if (to != fd) {
            // descriptors share the open file: closing one must not close the other (see close)
            fds[to] = fds[fd];
        }
        return to;
    }

    private boolean shared(int fd) {
        for (int k = 0; k < fds.length; k++) {
            if (k != fd && fds[k] == fds[fd]) {
                return true;
            }
        }
        return false;
    }

    private long close(int fd) {
        if (fd < 0 || fd >= fds.length || fds[fd] == null) {
            return -EBADF;
        }
        if (fds[fd] instanceof FileChannel ch && !shared(fd)) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // close errors are not reported to the guest either way
            }
        }
        fds[fd] = null;
        return 0;
    }

    private long lseek(int fd, long offset, int whence) {
        if (fd < 0 || fd >= fds.length || !(fds[fd] instanceof FileChannel ch)) {
            return fd >= 0 && fd < 3 ? -ESPIPE : -EBADF;
        }
        try {
            long base = switch (whence) {
                case 0 -> 0;
                case 1 -> ch.position();
                case 2 -> ch.size();
                default -> -1;
            };
            if (base < 0 || base + offset < 0) {
                return -EINVAL;
            }
            ch.position(base + offset);
            return base + offset;
        } catch (IOException e) {
            return -5;
        }
    }

    private long fstat(int fd, long buf) {
        if (fd < 0 || fd >= fds.length || fds[fd] == null) {
            return -EBADF;
        }
        if (fds[fd] instanceof FileChannel ch) {
            try {
                writeStat(buf, 0100644, ch.size(), fd, 1);
            } catch (IOException e) {
                return -5;
            }
            return 0;
        }
        writeStat(buf, 010600, 0, fd, 1); // stdio: a FIFO, so libc buffers without asking for a terminal
        return 0;
    }

    private long statPath(long pathAddr, long buf) {
        Path path = Path.of(cString(pathAddr));
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:mode,size,ino,nlink", LinkOption.NOFOLLOW_LINKS);
            writeStat(buf, (Integer) a.get("mode"), (Long) a.get("size"), (Long) a.get("ino"),
                    (Integer) a.get("nlink"));
            return 0;
        } catch (NoSuchFileException e) {
            return -ENOENT;
        } catch (IOException | UnsupportedOperationException e) {
            return -ENOENT;
        }
    }

    private void writeStat(long buf, int mode, long size, long ino, long nlink) {
        for (int k = 0; k < 144; k += 8) {
            mem.write64(buf + k, 0);
        }
        mem.write64(buf + 8, ino);
        mem.write64(buf + 16, nlink);
        mem.write32(buf + 24, mode);
        mem.write64(buf + 48, size);
        mem.write64(buf + 56, 4096);
        mem.write64(buf + 64, (size + 511) / 512);
    }

    private long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        if (length <= 0) {
            return -EINVAL;
        }
        if (length > MAX_MAPPING) {
            return -ENOMEM; // pages are allocated eagerly: refuse what would exhaust the JVM, as Linux would the host
        }
        long len = (length + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        long at;
        if ((flags & 0x10) != 0) { // MAP_FIXED
            if ((addr & (GuestMemory.PAGE_SIZE - 1)) != 0) {
                return -EINVAL;
            }
            mem.unmap(addr, len);
            at = addr;
        } else {
            p.mmapNext -= len;
            at = p.mmapNext;
        }
        mem.map(at, len, GuestMemory.READ | GuestMemory.WRITE);
        if ((flags & 0x20) == 0) { // file-backed: copy the file's bytes in (MAP_PRIVATE semantics)
            if (fd < 0 || fd >= fds.length || !(fds[fd] instanceof FileChannel ch)) {
                mem.unmap(at, len);
                return -EBADF;
            }
            try {
                ByteBuffer bb = ByteBuffer.allocate((int) Math.min(len, Math.max(0, ch.size() - offset)));
                ch.read(bb, offset);
                mem.load(at, bb.array(), 0, bb.position());
            } catch (IOException e) {
                return -5;
            }
        }
        mem.protect(at, len, perms(prot));
        return at;
    }

    private long brk(long want) {
        if (want <= p.brk) {
            return p.brk;
        }
        if (want - p.brkStart > MAX_MAPPING) {
            return p.brk;
        }
        long end = (want + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        long mapped = (p.brk + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        if (end > mapped) {
            mem.map(mapped, end - mapped, GuestMemory.READ | GuestMemory.WRITE);
        }
        p.brk = want;
        return want;
    }

    private long uname(long buf) {
        String[] fields = {"Linux", "hvx", "6.1.0-hvx", "#1 SMP hvx", "x86_64", "(none)"};
        for (int k = 0; k < fields.length; k++) {
            byte[] b = new byte[65];
            byte[] s = fields[k].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, b, 0, s.length);
            for (int j = 0; j < 65; j++) {
                mem.write8(buf + 65L * k + j, b[j]);
            }
        }
        return 0;
    }

    private long getcwd(long buf, long size) {
        byte[] cwd = (Path.of("").toAbsolutePath().toString()).getBytes(StandardCharsets.UTF_8);
        if (cwd.length + 1 > size) {
            return -34; // ERANGE
        }
        for (int k = 0; k < cwd.length; k++) {
            mem.write8(buf + k, cwd[k]);
        }
        mem.write8(buf + cwd.length, 0);
        return cwd.length + 1;
    }

    private long archPrctl(int code, long addr) {
        switch (code) {
            case 0x1002 -> p.cpu.fsBase = addr;
            case 0x1001 -> p.cpu.gsBase = addr;
            case 0x1003 -> mem.write64(addr, p.cpu.fsBase);
            case 0x1004 -> mem.write64(addr, p.cpu.gsBase);
            default -> {
                return -EINVAL;
            }
        }
        return 0;
    }

    private long clockGettime(int clock, long ts) {
        long nanos = clock == 0 || clock == 5 ? System.currentTimeMillis() * 1_000_000L : System.nanoTime();
        mem.write64(ts, nanos / 1_000_000_000L);
        mem.write64(ts + 8, nanos % 1_000_000_000L);
        return 0;
    }

    private long getrandom(long buf, long len) {
        byte[] b = new byte[(int) Math.min(len, 256)];
        new java.security.SecureRandom().nextBytes(b);
        for (int k = 0; k < b.length; k++) {
            mem.write8(buf + k, b[k]);
        }
        return b.length;
    }
}
