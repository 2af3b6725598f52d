package io.hvx.cpu.linux;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Serves one guest process's Linux system calls; unknown ones return -ENOSYS, reported once by name. */
final class Syscalls {
    /** Returned by a handler that has set RAX (or replaced the image) itself. */
    private static final long NO_RESULT = Long.MIN_VALUE + 1;
    /** Largest single mmap or heap the guest may ask for: pages are allocated eagerly. */
    static final long MAX_MAPPING = 4L << 30;
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(27, "mincore"), Map.entry(29, "shmget"), Map.entry(36, "getitimer"),
            Map.entry(38, "setitimer"), Map.entry(41, "socket"), Map.entry(42, "connect"), Map.entry(43, "accept"),
            Map.entry(44, "sendto"), Map.entry(45, "recvfrom"), Map.entry(49, "bind"), Map.entry(50, "listen"),
            Map.entry(53, "socketpair"), Map.entry(78, "getdents"), Map.entry(101, "ptrace"),
            Map.entry(133, "mknod"), Map.entry(155, "pivot_root"), Map.entry(165, "mount"), Map.entry(166, "umount2"),
            Map.entry(169, "reboot"), Map.entry(213, "epoll_create"), Map.entry(222, "timer_create"),
            Map.entry(232, "epoll_wait"), Map.entry(233, "epoll_ctl"), Map.entry(253, "inotify_init"),
            Map.entry(259, "mknodat"), Map.entry(281, "epoll_pwait"), Map.entry(282, "signalfd"),
            Map.entry(283, "timerfd_create"), Map.entry(284, "eventfd"), Map.entry(290, "eventfd2"),
            Map.entry(291, "epoll_create1"), Map.entry(299, "recvmmsg"), Map.entry(307, "sendmmsg"),
            Map.entry(319, "memfd_create"), Map.entry(326, "copy_file_range"), Map.entry(425, "io_uring_setup"),
            Map.entry(434, "pidfd_open"), Map.entry(436, "close_range"));

    private final Task t;
    private final FileCalls files;

    Syscalls(Task t) {
        this.t = t;
        this.files = new FileCalls(t);
    }

    private GuestMemory mem() {
        return t.image.memory;
    }

    /** Serves the system call in RAX and stores its result in RAX (exit and execve do otherwise). */
    void dispatch() {
        long[] r = t.image.cpu.regs;
        int nr = (int) r[CpuState.RAX];
        // buffers in stack frames the guest has reserved but not touched yet: grow the stack as Linux's copy would
        t.image.growStack(r[CpuState.RSP] & -GuestMemory.PAGE_SIZE);
        long result;
        try {
            result = call(nr, r[CpuState.RDI], r[CpuState.RSI], r[CpuState.RDX], r[10], r[8], r[9]);
        } catch (GuestFault f) {
            result = -Errno.EFAULT;
        } catch (FileCalls.PathTooLong e) {
            result = -Errno.ENAMETOOLONG;
        } catch (java.nio.file.InvalidPathException e) {
            result = -Errno.ENOENT;
        } catch (SecurityException | UnsupportedOperationException e) {
            result = -Errno.EPERM;
        }
        if (result == NO_RESULT) {
            return;
        }
        if (result == -Errno.ERESTARTSYS) {
            t.restartNr = nr;
            result = -Errno.EINTR;
        }
        r[CpuState.RAX] = result;
    }

    private long call(int nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        GuestMemory mem = mem();
        return switch (nr) {
            case 0 -> read((int) a0, a1, a2);
            case 1 -> write((int) a0, a1, a2);
            case 2 -> files.openat(FileCalls.AT_FDCWD, a0, (int) a1, (int) a2);
            case 3 -> close((int) a0);
            case 4 -> files.fstatat(FileCalls.AT_FDCWD, a0, a1, 0, false);
            case 5 -> files.fstat((int) a0, a1);
            case 6 -> files.fstatat(FileCalls.AT_FDCWD, a0, a1, FileCalls.AT_SYMLINK_NOFOLLOW, false);
            case 7 -> Polling.poll(t, a0, (int) a1, a2 < 0 ? -1 : (int) a2 * 1_000_000L, 0, false);
            case 8 -> seek((int) a0, a1, (int) a2);
            case 9 -> Memory.mmap(t, a0, a1, (int) a2, (int) a3, (int) a4, a5);
            case 10 -> mem.protect(a0, a1, Memory.perms((int) a2)) ? 0 : -Errno.ENOMEM;
            case 11 -> {
                mem.unmap(a0, a1);
                yield 0;
            }
            case 12 -> Memory.brk(t, a0);
            case 13 -> sigaction((int) a0, a1, a2);
            case 14 -> sigprocmask((int) a0, a1, a2);
            case 15 -> {
                SignalFrame.leave(t);
                yield NO_RESULT;
            }
            case 16 -> ioctl((int) a0, (int) a1, a2);
            case 17 -> pread((int) a0, a1, a2, a3, false);
            case 18 -> pread((int) a0, a1, a2, a3, true);
            case 19 -> vector((int) a0, a1, (int) a2, false);
            case 20 -> vector((int) a0, a1, (int) a2, true);
            case 21 -> files.faccessat(FileCalls.AT_FDCWD, a0, (int) a1);
            case 22 -> pipe(a0, 0);
            case 23 -> Polling.select(t, (int) a0, a1, a2, a3, a4 == 0 ? -1 : timeval(a4), 0);
            case 24, 203 -> 0; // sched_yield, sched_setaffinity
            case 204 -> affinity(a1, a2);
            case 25 -> Memory.mremap(t, a0, a1, a2, (int) a3);
            case 26, 28, 74, 75, 162, 306, 73 -> 0; // msync, madvise, fsync, fdatasync, sync, syncfs, flock
            case 32 -> dup((int) a0, -1, false);
            case 33 -> a0 == a1 ? (files.file((int) a0) == null ? -Errno.EBADF : a0) : dup((int) a0, (int) a1, false);
            case 292 -> a0 == a1 ? -Errno.EINVAL : dup((int) a0, (int) a1, (a2 & FileCalls.O_CLOEXEC) != 0);
            case 34 -> sleep(-1);
            case 35 -> sleep(timespec(a0));
            case 230 -> (a1 & 1) != 0 ? sleep(Math.max(0, timespec(a2) - wallNanos(a0))) : sleep(timespec(a2));
            case 37 -> { // alarm: seconds left of the previous one, rounded up
                long[] old = t.timer.set(a0 * 1_000_000_000L, 0);
                yield (old[0] + 999_999_999L) / 1_000_000_000L;
            }
            case 36 -> a0 != 0 ? -Errno.EINVAL : itimer(0, 0, a1);
            case 38 -> a0 != 0 ? -Errno.EINVAL : itimer(1, a1, a2);
            case 39, 186 -> t.pid;
            case 40 -> sendfile((int) a0, (int) a1, a2, a3);
            case 56 -> clone(a0, a1, a2, a3);
            case 57 -> t.fork(false, 0, 0, 0, 0);
            case 58 -> t.fork(true, 0, 0, 0, 0);
            case 59 -> execve(a0, a1, a2);
            case 60, 231 -> throw new GuestExit((int) (a0 & 0xFF) << 8);
            case 61 -> wait4((int) a0, a1, (int) a2, a3);
            case 62 -> kill((int) a0, (int) a1);
            case 200 -> kill((int) a0, (int) a1);
            case 234 -> kill((int) a1, (int) a2);
            case 63 -> uname(a0);
            case 72 -> fcntl((int) a0, (int) a1, a2);
            case 76 -> files.truncatePath(a0, a1);
            case 77 -> files.ftruncate((int) a0, a1);
            case 79 -> files.getcwd(a0, a1);
            case 80 -> files.chdir(a0);
            case 81 -> files.fchdir((int) a0);
            case 82 -> files.renameat(FileCalls.AT_FDCWD, a0, FileCalls.AT_FDCWD, a1);
            case 83 -> files.mkdirat(FileCalls.AT_FDCWD, a0, (int) a1);
            case 84 -> files.unlinkat(FileCalls.AT_FDCWD, a0, FileCalls.AT_REMOVEDIR);
            case 85 -> files.openat(FileCalls.AT_FDCWD, a0, 0x241, (int) a1);
            case 86 -> files.linkat(FileCalls.AT_FDCWD, a0, FileCalls.AT_FDCWD, a1);
            case 87 -> files.unlinkat(FileCalls.AT_FDCWD, a0, 0);
            case 88 -> files.symlinkat(a0, FileCalls.AT_FDCWD, a1);
            case 89 -> files.readlinkat(FileCalls.AT_FDCWD, a0, a1, a2);
            case 90 -> files.fchmodat(FileCalls.AT_FDCWD, a0, (int) a1);
            case 91 -> files.chmod(files.pathOf((int) a0), (int) a1);
            case 92 -> files.fchownat(FileCalls.AT_FDCWD, a0, (int) a1, (int) a2, 0);
            case 93 -> files.chown(files.pathOf((int) a0), (int) a1, (int) a2, true);
            case 94 -> files.fchownat(FileCalls.AT_FDCWD, a0, (int) a1, (int) a2, FileCalls.AT_SYMLINK_NOFOLLOW);
            case 95 -> {
                int old = t.umask;
                t.umask = (int) a0 & 0777;
                yield old;
            }
            case 96 -> {
                long now = System.currentTimeMillis();
                if (a0 != 0) {
                    mem.write64(a0, now / 1000);
                    mem.write64(a0 + 8, (now % 1000) * 1000);
                }
                yield 0;
            }
            case 97 -> rlimit((int) a0, 0, a1);
            case 160 -> 0; // setrlimit: accepted, not enforced
            case 302 -> rlimit((int) a1, a2, a3);
            case 98 -> zero(a1, 144);
            case 99 -> sysinfo(a0);
            case 100 -> {
                long ticks = System.nanoTime() / 10_000_000L;
                if (a0 != 0) {
                    zero(a0, 32);
                }
                yield ticks;
            }
            case 102, 107 -> Ids.UID;
            case 104, 108 -> Ids.GID;
            case 105, 106, 113, 114, 117, 119, 116, 122, 123 -> 0; // set*id: the guest keeps the host's ids
            case 118, 120 -> {
                long id = nr == 118 ? Ids.UID : Ids.GID;
                mem.write32(a0, (int) id);
                mem.write32(a1, (int) id);
                mem.write32(a2, (int) id);
                yield 0;
            }
            case 115 -> 0; // getgroups: none
            case 109 -> setpgid((int) a0, (int) a1);
            case 110 -> t.parentPid();
            case 111 -> t.pgid;
            case 112 -> setsid();
            case 121 -> getpgid((int) a0, false);
            case 124 -> getpgid((int) a0, true);
            case 125 -> zero(a1, 24); // capget: no capabilities
            case 127 -> {
                mem.write64(a0, t.signals.pending & t.signals.blocked);
                yield 0;
            }
            case 130 -> sigsuspend(a0);
            case 131 -> {
                if (a1 != 0) {
                    zero(a1, 24);
                    mem.write32(a1 + 8, 2); // SS_DISABLE
                }
                yield 0;
            }
            case 132, 235 -> files.utimensat(FileCalls.AT_FDCWD, a0, 0, 0);
            case 137 -> files.statfsPath(a0, a1);
            case 138 -> files.statfs(files.pathOf((int) a0), a1);
            case 157 -> a0 == 15 || a0 == 16 ? 0 : -Errno.EINVAL; // prctl: PR_SET_NAME/PR_GET_NAME only
            case 158 -> archPrctl((int) a0, a1);
            case 201 -> {
                long now = System.currentTimeMillis() / 1000;
                if (a0 != 0) {
                    mem.write64(a0, now);
                }
                yield now;
            }
            case 202 -> (a1 & 0x7F) == 1 ? 0 : -Errno.EAGAIN; // futex: one thread per process, nobody to wait for
            case 217 -> files.getdents64((int) a0, a1, a2);
            case 218 -> t.pid; // set_tid_address
            case 228 -> clockGettime((int) a0, a1);
            case 229 -> {
                if (a1 != 0) {
                    mem.write64(a1, 0);
                    mem.write64(a1 + 8, 1);
                }
                yield 0;
            }
            case 247 -> waitid((int) a0, (int) a1, a2, (int) a3);
            case 257 -> files.openat((int) a0, a1, (int) a2, (int) a3);
            case 258 -> files.mkdirat((int) a0, a1, (int) a2);
            case 260 -> files.fchownat((int) a0, a1, (int) a2, (int) a3, (int) a4);
            case 262 -> files.fstatat((int) a0, a1, a2, (int) a3, false);
            case 263 -> files.unlinkat((int) a0, a1, (int) a2);
            case 264, 316 -> files.renameat((int) a0, a1, (int) a2, a3);
            case 265 -> files.linkat((int) a0, a1, (int) a2, a3);
            case 266 -> files.symlinkat(a0, (int) a1, a2);
            case 267 -> files.readlinkat((int) a0, a1, a2, a3);
            case 268 -> files.fchmodat((int) a0, a1, (int) a2);
            case 269, 439 -> files.faccessat((int) a0, a1, (int) a2);
            case 270 -> Polling.select(t, (int) a0, a1, a2, a3, a4 == 0 ? -1 : timespec(a4),
                    a5 == 0 ? 0 : mem.read64(a5));
            case 271 -> Polling.poll(t, a0, (int) a1, a2 == 0 ? -1 : timespec(a2), a3, a3 != 0);
            case 273 -> 0; // set_robust_list: no threads, nothing to clean up
            case 280 -> files.utimensat((int) a0, a1, a2, (int) a3);
            case 293 -> pipe(a0, (int) a1);
            case 318 -> getrandom(a0, a1);
            case 332 -> files.fstatat((int) a0, a1, a4, (int) a2, true);
            case 334, 435 -> -Errno.ENOSYS; // rseq, clone3: glibc falls back quietly, so no report
            default -> {
                t.kernel.reportOnce("hvx: unimplemented syscall " + NAMES.getOrDefault(nr, "#" + nr)
                        + " returns -ENOSYS");
                yield -Errno.ENOSYS;
            }
        };
    }

    /** sched_getaffinity: the host's processors, as a native program would see them. */
    private long affinity(long len, long maskAddr) {
        if (len < 8 || (len & 7) != 0) {
            return -Errno.EINVAL;
        }
        int cpus = Math.min(64, Runtime.getRuntime().availableProcessors());
        mem().write64(maskAddr, cpus == 64 ? -1L : (1L << cpus) - 1);
        return 8;
    }

    /** getitimer/setitimer for ITIMER_REAL: struct itimerval is {interval, value} as timevals. */
    private long itimer(int set, long newAddr, long oldAddr) {
        long[] old = set == 0 ? t.timer.get() : t.timer.set(newAddr == 0 ? 0 : timeval(newAddr + 16),
                newAddr == 0 ? 0 : timeval(newAddr));
        if (oldAddr != 0) {
            mem().write64(oldAddr, old[1] / 1_000_000_000L);
            mem().write64(oldAddr + 8, old[1] % 1_000_000_000L / 1000);
            mem().write64(oldAddr + 16, old[0] / 1_000_000_000L);
            mem().write64(oldAddr + 24, old[0] % 1_000_000_000L / 1000);
        }
        return 0;
    }

    private long zero(long addr, int n) {
        if (addr != 0) {
            GuestIo.copyIn(mem(), addr, new byte[n], n);
        }
        return 0;
    }

    private long timespec(long addr) {
        long sec = mem().read64(addr);
        long nsec = mem().read64(addr + 8);
        if (sec < 0 || nsec < 0 || nsec >= 1_000_000_000L) {
            return 0;
        }
        return sec > Long.MAX_VALUE / 2_000_000_000L ? Long.MAX_VALUE / 2 : sec * 1_000_000_000L + nsec;
    }

    private long timeval(long addr) {
        long sec = mem().read64(addr);
        long usec = mem().read64(addr + 8);
        return Math.max(0, sec) * 1_000_000_000L + Math.max(0, usec) * 1000;
    }

    private static long wallNanos(long clock) {
        return clock == 0 ? System.currentTimeMillis() * 1_000_000L : System.nanoTime();
    }

    private long read(int fd, long buf, long count) {
        OpenFile f = files.file(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        if (count < 0) {
            return -Errno.EINVAL;
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        long n = f.read(t, data, data.length);
        if (n > 0) {
            GuestIo.copyIn(mem(), buf, data, (int) n);
        }
        return n;
    }

    private long write(int fd, long buf, long count) {
        OpenFile f = files.file(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        if (count < 0) {
            return -Errno.EINVAL;
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        GuestIo.copyOut(mem(), buf, data, data.length);
        return f.write(t, data, data.length);
    }

    private long pread(int fd, long buf, long count, long offset, boolean write) {
        OpenFile f = files.file(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        if (!(f instanceof HostFile h)) {
            return -Errno.ESPIPE;
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        if (write) {
            GuestIo.copyOut(mem(), buf, data, data.length);
            return h.pwrite(data, data.length, offset);
        }
        long n = h.pread(data, data.length, offset);
        if (n > 0) {
            GuestIo.copyIn(mem(), buf, data, (int) n);
        }
        return n;
    }

    private long vector(int fd, long iov, int count, boolean write) {
        if (count < 0 || count > 1024) {
            return -Errno.EINVAL;
        }
        long total = 0;
        for (int k = 0; k < count; k++) {
            long base = mem().read64(iov + 16L * k);
            long len = mem().read64(iov + 16L * k + 8);
            if (len == 0) {
                continue;
            }
            long n = write ? write(fd, base, len) : read(fd, base, len);
            if (n < 0) {
                return total > 0 ? total : n;
            }
            total += n;
            if (n < len) {
                break;
            }
        }
        return total;
    }

    private long sendfile(int out, int in, long offsetAddr, long count) {
        OpenFile src = files.file(in);
        OpenFile dst = files.file(out);
        if (src == null || dst == null) {
            return -Errno.EBADF;
        }
        if (offsetAddr != 0) {
            return -Errno.EINVAL; // callers fall back to read/write
        }
        byte[] data = new byte[(int) Math.min(count, 1 << 20)];
        long n = src.read(t, data, data.length);
        if (n <= 0) {
            return n;
        }
        return dst.write(t, data, (int) n);
    }

    private long seek(int fd, long offset, int whence) {
        OpenFile f = files.file(fd);
        return f == null ? -Errno.EBADF : f.seek(offset, whence);
    }

    private long close(int fd) {
        t.kernel.lock.lock();
        try {
            return t.fds.close(fd) ? 0 : -Errno.EBADF;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long dup(int fd, int to, boolean cloexec) {
        t.kernel.lock.lock();
        try {
            OpenFile f = t.fds.get(fd);
            if (f == null || to >= FdTable.MAX) {
                return -Errno.EBADF;
            }
            f.refs++;
            if (to < 0) {
                int got = t.fds.allocate(f, 0, cloexec);
                if (got < 0) {
                    f.refs--;
                }
                return got;
            }
            t.fds.install(to, f, cloexec);
            return to;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long fcntl(int fd, int cmd, long arg) {
        t.kernel.lock.lock();
        try {
            OpenFile f = t.fds.get(fd);
            if (f == null) {
                return -Errno.EBADF;
            }
            switch (cmd) {
                case 0, 1030 -> { // F_DUPFD, F_DUPFD_CLOEXEC
                    if (arg < 0 || arg >= FdTable.MAX) {
                        return -Errno.EINVAL;
                    }
                    f.refs++;
                    int got = t.fds.allocate(f, (int) arg, cmd == 1030);
                    if (got < 0) {
                        f.refs--;
                    }
                    return got;
                }
                case 1 -> {
                    return t.fds.cloexec(fd) ? 1 : 0;
                }
                case 2 -> {
                    t.fds.setCloexec(fd, (arg & 1) != 0);
                    return 0;
                }
                case 3 -> {
                    return f.statusFlags;
                }
                case 4 -> {
                    int changeable = OpenFile.O_APPEND | OpenFile.O_NONBLOCK;
                    f.statusFlags = (f.statusFlags & ~changeable) | ((int) arg & changeable);
                    return 0;
                }
                case 5, 6, 7 -> { // F_GETLK, F_SETLK, F_SETLKW: no other process holds a lock that matters
                    if (cmd == 5) {
                        mem().write16(arg, 2); // F_UNLCK
                    }
                    return 0;
                }
                case 1031, 1033, 1032, 8, 9 -> {
                    return 0; // F_SETPIPE_SZ, F_GETPIPE_SZ-alikes and owner calls: accepted
                }
                default -> {
                    return -Errno.EINVAL;
                }
            }
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long ioctl(int fd, int request, long arg) {
        OpenFile f = files.file(fd);
        if (f == null) {
            return -Errno.EBADF;
        }
        return t.kernel.terminal.ioctl(t, f, request, arg);
    }

    private long pipe(long fdsAddr, int flags) {
        if ((flags & ~(FileCalls.O_CLOEXEC | OpenFile.O_NONBLOCK | 0x4000)) != 0) {
            return -Errno.EINVAL;
        }
        mem().write64(fdsAddr, 0); // fault before creating anything
        t.kernel.lock.lock();
        try {
            Pipe p = new Pipe(t.kernel);
            PipeEnd r = new PipeEnd(p, true, false);
            PipeEnd w = new PipeEnd(p, false, false);
            r.statusFlags |= flags & OpenFile.O_NONBLOCK;
            w.statusFlags |= flags & OpenFile.O_NONBLOCK;
            boolean cloexec = (flags & FileCalls.O_CLOEXEC) != 0;
            int rfd = t.fds.allocate(r, 0, cloexec);
            if (rfd < 0) {
                return rfd;
            }
            int wfd = t.fds.allocate(w, 0, cloexec);
            if (wfd < 0) {
                t.fds.close(rfd);
                return wfd;
            }
            p.readers = 1;
            p.writers = 1;
            mem().write32(fdsAddr, rfd);
            mem().write32(fdsAddr + 4, wfd);
            return 0;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long sleep(long nanos) {
        long deadline = nanos < 0 ? 0 : System.nanoTime() + Math.max(nanos, 1);
        t.kernel.lock.lock();
        try {
            while (true) {
                if (t.signals.deliverable()) {
                    return -Errno.EINTR;
                }
                if (deadline != 0 && System.nanoTime() - deadline >= 0) {
                    return 0;
                }
                t.kernel.await(deadline);
            }
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long clone(long flags, long stack, long parentTid, long childTid) {
        if ((flags & 0x10000) != 0) { // CLONE_THREAD
            t.kernel.reportOnce("hvx: clone with CLONE_THREAD (threads) is not supported; returns -ENOSYS");
            return -Errno.ENOSYS;
        }
        boolean vfork = (flags & 0x4000) != 0; // CLONE_VFORK (CLONE_VM without it runs on a copy too)
        return t.fork(vfork, stack, flags, parentTid, childTid);
    }

    private List<String> stringArray(long addr) {
        List<String> out = new ArrayList<>();
        if (addr == 0) {
            return out;
        }
        for (int k = 0; k < 65536; k++) {
            long p = mem().read64(addr + 8L * k);
            if (p == 0) {
                return out;
            }
            String s = GuestIo.cString(mem(), p);
            if (s == null) {
                throw new FileCalls.PathTooLong();
            }
            out.add(s);
        }
        throw new FileCalls.PathTooLong();
    }

    private long execve(long pathAddr, long argvAddr, long envAddr) {
        String name = GuestIo.cString(mem(), pathAddr);
        if (name == null) {
            return -Errno.ENAMETOOLONG;
        }
        List<String> argv = stringArray(argvAddr);
        List<String> envp = stringArray(envAddr);
        for (int depth = 0; depth < 4; depth++) {
            Path p = files.resolve(FileCalls.AT_FDCWD, name);
            if (name.isEmpty() || p == null || !Files.exists(p)) {
                return -Errno.ENOENT;
            }
            if (Files.isDirectory(p) || !Files.isExecutable(p)) {
                return -Errno.EACCES;
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(p);
            } catch (IOException e) {
                return -Errno.of(e);
            }
            if (bytes.length > 2 && bytes[0] == '#' && bytes[1] == '!') {
                int end = 2;
                while (end < bytes.length && end < 256 && bytes[end] != '\n') {
                    end++;
                }
                String line = new String(bytes, 2, end - 2, StandardCharsets.UTF_8).strip();
                if (line.isEmpty()) {
                    return -Errno.ENOEXEC;
                }
                String[] parts = line.split("[ \t]+", 2);
                List<String> next = new ArrayList<>();
                next.add(parts[0]);
                if (parts.length > 1) {
                    next.add(parts[1]);
                }
                next.add(name);
                next.addAll(argv.isEmpty() ? List.of() : argv.subList(1, argv.size()));
                argv = next;
                name = parts[0];
                continue;
            }
            ElfImage elf;
            try {
                elf = ElfImage.parse(bytes);
            } catch (IllegalArgumentException e) {
                if (bytes.length > 4 && bytes[0] == 0x7F && bytes[1] == 'E') {
                    t.kernel.reportOnce("hvx: cannot execute " + p + ": " + e.getMessage());
                }
                return -Errno.ENOEXEC;
            }
            Image next = Image.load(p, elf, argv, envp);
            t.exec(next);
            return NO_RESULT;
        }
        return -Errno.ELOOP;
    }

    private long wait4(int pid, long statusAddr, int options, long rusage) {
        int which = pid == -1 ? 0 : pid > 0 ? 1 : 2;
        int id = pid > 0 ? pid : pid == 0 ? t.pgid : -pid;
        long[] w = t.waitChild(which, id, (options & 1) != 0, true);
        if (w[0] > 0) {
            if (statusAddr != 0) {
                mem().write32(statusAddr, (int) w[1]);
            }
            zero(rusage, 144);
        }
        return w[0];
    }

    private long waitid(int idtype, int id, long info, int options) {
        if ((options & 4) == 0) { // WEXITED: stopped and continued children are not tracked
            return -Errno.EINVAL;
        }
        int which = switch (idtype) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            default -> -1;
        };
        if (which < 0) {
            return -Errno.EINVAL;
        }
        long[] w = t.waitChild(which, which == 2 && id == 0 ? t.pgid : id, (options & 1) != 0,
                (options & 0x01000000) == 0);
        if (w[0] < 0) {
            return w[0];
        }
        if (info != 0) {
            zero(info, 128);
            if (w[0] > 0) {
                int status = (int) w[1];
                boolean signalled = (status & 0x7F) != 0;
                mem().write32(info, SignalState.SIGCHLD);
                mem().write32(info + 8, signalled ? 2 : 1);
                mem().write32(info + 16, (int) w[0]);
                mem().write32(info + 20, (int) Ids.UID);
                mem().write32(info + 24, signalled ? status & 0x7F : (status >> 8) & 0xFF);
            }
        }
        return 0;
    }

    private long kill(int pid, int sig) {
        if (sig < 0 || sig > SignalState.NSIG) {
            return -Errno.EINVAL;
        }
        if (pid > 0) {
            t.kernel.lock.lock();
            try {
                Task target = t.kernel.task(pid);
                if (target == null || !target.alive()) {
                    return -Errno.ESRCH;
                }
                if (sig != 0) {
                    target.signals.post(sig, SignalState.SI_USER, t.pid);
                    t.kernel.changedLocked();
                }
                return 0;
            } finally {
                t.kernel.lock.unlock();
            }
        }
        int n = t.kernel.signalGroup(pid == 0 ? t.pgid : pid == -1 ? -1 : -pid, sig, t);
        return n == 0 ? -Errno.ESRCH : 0;
    }

    private long sigaction(int sig, long act, long oldAct) {
        if (sig < 1 || sig > SignalState.NSIG) {
            return -Errno.EINVAL;
        }
        SignalState s = t.signals;
        GuestMemory mem = mem();
        if (act != 0 && (sig == SignalState.SIGKILL || sig == SignalState.SIGSTOP)) {
            return -Errno.EINVAL;
        }
        long h = 0;
        long fl = 0;
        long restorer = 0;
        long mask = 0;
        if (act != 0) {
            h = mem.read64(act);
            fl = mem.read64(act + 8);
            restorer = mem.read64(act + 16);
            mask = mem.read64(act + 24);
        }
        if (oldAct != 0) {
            mem.write64(oldAct, s.handler[sig]);
            mem.write64(oldAct + 8, s.flags[sig]);
            mem.write64(oldAct + 16, s.restorer[sig]);
            mem.write64(oldAct + 24, s.mask[sig]);
        }
        if (act != 0) {
            t.kernel.lock.lock();
            try {
                s.handler[sig] = h;
                s.flags[sig] = fl;
                s.restorer[sig] = restorer;
                s.mask[sig] = mask & ~SignalState.UNBLOCKABLE;
                if (s.ignored(sig)) {
                    s.pending &= ~SignalState.bit(sig);
                }
            } finally {
                t.kernel.lock.unlock();
            }
        }
        return 0;
    }

    private long sigprocmask(int how, long set, long oldSet) {
        SignalState s = t.signals;
        long old = s.blocked;
        if (set != 0) {
            long m = mem().read64(set);
            long next = switch (how) {
                case 0 -> old | m;
                case 1 -> old & ~m;
                case 2 -> m;
                default -> -1;
            };
            if (how < 0 || how > 2) {
                return -Errno.EINVAL;
            }
            s.blocked = next & ~SignalState.UNBLOCKABLE;
        }
        if (oldSet != 0) {
            mem().write64(oldSet, old);
        }
        return 0;
    }

    private long sigsuspend(long maskAddr) {
        SignalState s = t.signals;
        long old = s.blocked;
        s.blocked = mem().read64(maskAddr) & ~SignalState.UNBLOCKABLE;
        t.kernel.lock.lock();
        try {
            while (!s.deliverable()) {
                t.kernel.await(0);
            }
        } finally {
            t.kernel.lock.unlock();
        }
        s.suspendedMask = old; // the handler frame saves it; Task.deliverSignals restores it otherwise
        return -Errno.EINTR;
    }

    private long setpgid(int pid, int pgid) {
        if (pgid < 0) {
            return -Errno.EINVAL;
        }
        t.kernel.lock.lock();
        try {
            Task target = pid == 0 ? t : t.kernel.task(pid);
            if (target == null || (target != t && target.parent != t)) {
                return -Errno.ESRCH;
            }
            target.pgid = pgid == 0 ? target.pid : pgid;
            return 0;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long setsid() {
        t.kernel.lock.lock();
        try {
            if (t.pgid == t.pid) {
                return -Errno.EPERM;
            }
            t.pgid = t.pid;
            t.sid = t.pid;
            return t.pid;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long getpgid(int pid, boolean session) {
        t.kernel.lock.lock();
        try {
            Task target = pid == 0 ? t : t.kernel.task(pid);
            if (target == null) {
                return -Errno.ESRCH;
            }
            return session ? target.sid : target.pgid;
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private long rlimit(int resource, long newLimit, long oldLimit) {
        if (oldLimit != 0) {
            long cur = switch (resource) {
                case 3 -> 8L << 20; // RLIMIT_STACK
                case 7 -> FdTable.MAX; // RLIMIT_NOFILE
                case 4 -> 0; // RLIMIT_CORE
                default -> -1; // RLIM_INFINITY
            };
            mem().write64(oldLimit, cur);
            mem().write64(oldLimit + 8, resource == 7 ? FdTable.MAX : -1);
        }
        return 0;
    }

    private long sysinfo(long buf) {
        zero(buf, 112);
        GuestMemory mem = mem();
        mem.write64(buf, java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000);
        mem.write64(buf + 32, Runtime.getRuntime().maxMemory());
        mem.write64(buf + 40, Runtime.getRuntime().freeMemory());
        mem.write16(buf + 80, 1);
        mem.write32(buf + 104, 1);
        return 0;
    }

    private long uname(long buf) {
        String[] fields = {"Linux", "hvx", "6.1.0-hvx", "#1 SMP hvx", "x86_64", "(none)"};
        byte[] b = new byte[65 * fields.length];
        for (int k = 0; k < fields.length; k++) {
            byte[] s = fields[k].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(s, 0, b, 65 * k, s.length);
        }
        GuestIo.copyIn(mem(), buf, b, b.length);
        return 0;
    }

    private long archPrctl(int code, long addr) {
        CpuState cpu = t.image.cpu;
        switch (code) {
            case 0x1002 -> cpu.fsBase = addr;
            case 0x1001 -> cpu.gsBase = addr;
            case 0x1003 -> mem().write64(addr, cpu.fsBase);
            case 0x1004 -> mem().write64(addr, cpu.gsBase);
            default -> {
                return -Errno.EINVAL;
            }
        }
        return 0;
    }

    private long clockGettime(int clock, long ts) {
        long nanos;
        if (clock == 0 || clock == 5 || clock == 8 || clock == 11) {
            java.time.Instant now = java.time.Instant.now();
            nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        } else if (clock == 2 || clock == 3) {
            nanos = t.instructions(); // CPU time: one nanosecond per instruction is monotonic and cheap
        } else {
            nanos = System.nanoTime();
        }
        mem().write64(ts, nanos / 1_000_000_000L);
        mem().write64(ts + 8, nanos % 1_000_000_000L);
        return 0;
    }

    private long getrandom(long buf, long len) {
        byte[] b = new byte[(int) Math.min(len, 256)];
        new java.security.SecureRandom().nextBytes(b);
        GuestIo.copyIn(mem(), buf, b, b.length);
        return b.length;
    }
}
