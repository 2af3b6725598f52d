package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestMemory;
import java.io.IOException;
import java.nio.ByteBuffer;

/** mmap, munmap's friends mremap and brk over a process's {@link Image}. */
final class Memory {
    private Memory() {
    }

    static int perms(int prot) {
        return ((prot & 1) != 0 ? GuestMemory.READ : 0) | ((prot & 2) != 0 ? GuestMemory.WRITE : 0)
                | ((prot & 4) != 0 ? GuestMemory.EXEC : 0);
    }

    static long mmap(Task t, long addr, long length, int prot, int flags, int fd, long offset) {
        Image img = t.image;
        GuestMemory mem = img.memory;
        if (length <= 0 || (offset & (GuestMemory.PAGE_SIZE - 1)) != 0) {
            return -Errno.EINVAL;
        }
        if (length > Syscalls.MAX_MAPPING) {
            return -Errno.ENOMEM; // pages are allocated eagerly: refuse what would exhaust the JVM
        }
        long len = (length + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        HostFile file = null;
        if ((flags & 0x20) == 0) { // file-backed: the file's bytes are copied in (MAP_PRIVATE semantics)
            if (!(fileOf(t, fd) instanceof HostFile h)) {
                return -Errno.EBADF;
            }
            file = h;
        }
        long at;
        if ((flags & 0x10) != 0) { // MAP_FIXED
            if ((addr & (GuestMemory.PAGE_SIZE - 1)) != 0) {
                return -Errno.EINVAL;
            }
            mem.unmap(addr, len);
            at = addr;
        } else {
            img.mmapNext -= len;
            at = img.mmapNext;
        }
        mem.map(at, len, GuestMemory.READ | GuestMemory.WRITE);
        if (file != null) {
            try {
                long size = file.channel.size();
                ByteBuffer bb = ByteBuffer.allocate((int) Math.min(len, Math.max(0, size - offset)));
                file.channel.read(bb, offset);
                mem.load(at, bb.array(), 0, bb.position());
            } catch (IOException e) {
                mem.unmap(at, len);
                return -Errno.EIO;
            }
        }
        mem.protect(at, len, perms(prot));
        return at;
    }

    private static OpenFile fileOf(Task t, int fd) {
        t.kernel.lock.lock();
        try {
            return t.fds.get(fd);
        } finally {
            t.kernel.lock.unlock();
        }
    }

    /** Moves or resizes a mapping by copying (MREMAP_MAYMOVE); shrinking unmaps the tail. */
    static long mremap(Task t, long old, long oldSize, long newSize, int flags) {
        Image img = t.image;
        GuestMemory mem = img.memory;
        if ((old & (GuestMemory.PAGE_SIZE - 1)) != 0 || newSize <= 0) {
            return -Errno.EINVAL;
        }
        long oldLen = (oldSize + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        long newLen = (newSize + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        if (newLen <= oldLen) {
            mem.unmap(old + newLen, oldLen - newLen);
            return old;
        }
        if ((flags & 1) == 0 || newLen > Syscalls.MAX_MAPPING) {
            return -Errno.ENOMEM;
        }
        if (!mem.isMapped(old)) {
            return -Errno.EFAULT;
        }
        int perms = mem.permissions(old);
        img.mmapNext -= newLen;
        long at = img.mmapNext;
        mem.map(at, newLen, GuestMemory.READ | GuestMemory.WRITE);
        byte[] page = new byte[(int) GuestMemory.PAGE_SIZE];
        for (long off = 0; off < oldLen; off += GuestMemory.PAGE_SIZE) {
            if (mem.isMapped(old + off)) {
                mem.copyOut(old + off, page, 0, page.length);
                mem.load(at + off, page, 0, page.length);
            }
        }
        mem.unmap(old, oldLen);
        mem.protect(at, newLen, perms);
        return at;
    }

    static long brk(Task t, long want) {
        Image img = t.image;
        if (want <= img.brk) {
            return img.brk;
        }
        if (want - img.brkStart > Syscalls.MAX_MAPPING) {
            return img.brk;
        }
        long end = (want + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        long mapped = (img.brk + GuestMemory.PAGE_SIZE - 1) & -GuestMemory.PAGE_SIZE;
        if (end > mapped) {
            img.memory.map(mapped, end - mapped, GuestMemory.READ | GuestMemory.WRITE);
        }
        img.brk = want;
        return want;
    }
}
