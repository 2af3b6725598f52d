package io.hvx.cpu.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A sparse 48-bit guest address space of 4 KiB off-heap pages with read/write/execute permissions.
 * Writes to pages that hold decoded code are reported to a listener so cached translations can be dropped.
 */
public final class GuestMemory implements LinearMemory, AutoCloseable {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXEC = 4;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int LEVEL_BITS = 12;
    private static final int LEVEL_MASK = (1 << LEVEL_BITS) - 1;

    /** Listener for writes that hit a page marked as holding code. */
    public interface CodeWriteListener {
        void codeWritten(long pageAddress);
    }

    private static final class Page {
        final long address;
        final MemorySegment bytes;
        int perms;
        boolean code;

        Page(long address, MemorySegment bytes, int perms) {
            this.address = address;
            this.bytes = bytes;
            this.perms = perms;
        }
    }

    private final Arena arena = Arena.ofShared();
    private final Page[][][] root = new Page[1 << LEVEL_BITS][][];
    private CodeWriteListener codeListener = page -> { };
    // one-entry caches: most accesses hit the page of the previous access
    private Page lastRead;
    private Page lastWrite;
    private Page lastFetch;

    public void codeWriteListener(CodeWriteListener listener) {
        this.codeListener = listener;
    }

    /** Maps zeroed pages over [address, address+length) with the given permissions; existing pages only change permissions. */
    public void map(long address, long length, int perms) {
        long first = address & -PAGE_SIZE;
        long end = (address + length + PAGE_SIZE - 1) & -PAGE_SIZE;
        for (long a = first; a < end; a += PAGE_SIZE) {
            Page page = page(a);
            if (page == null) {
                MemorySegment seg = arena.allocate(PAGE_SIZE, PAGE_SIZE);
                put(a, new Page(a, seg, perms));
            } else {
                page.perms = perms;
            }
        }
        flushCaches();
    }

    /** Changes permissions of mapped pages in the range; returns false when a page in it is not mapped. */
    public boolean protect(long address, long length, int perms) {
        long end = (address + length + PAGE_SIZE - 1) & -PAGE_SIZE;
        boolean all = true;
        for (long a = address & -PAGE_SIZE; a < end; a += PAGE_SIZE) {
            Page page = page(a);
            if (page == null) {
                all = false;
            } else {
                page.perms = perms;
            }
        }
        flushCaches();
        return all;
    }

    /** Removes the pages in the range (their memory stays with the arena until close). */
    public void unmap(long address, long length) {
        long end = (address + length + PAGE_SIZE - 1) & -PAGE_SIZE;
        for (long a = address & -PAGE_SIZE; a < end; a += PAGE_SIZE) {
            Page page = page(a);
            if (page != null) {
                if (page.code) {
                    codeListener.codeWritten(a);
                }
                put(a, null);
            }
        }
        flushCaches();
    }

    /** A new address space holding a copy of every mapped page with its permissions (fork). */
    public GuestMemory copy() {
        GuestMemory m = new GuestMemory();
        for (Page[][] l2 : root) {
            if (l2 == null) {
                continue;
            }
            for (Page[] l3 : l2) {
                if (l3 == null) {
                    continue;
                }
                for (Page p : l3) {
                    if (p != null) {
                        MemorySegment seg = m.arena.allocate(PAGE_SIZE, PAGE_SIZE);
                        seg.copyFrom(p.bytes);
                        m.put(p.address, new Page(p.address, seg, p.perms));
                    }
                }
            }
        }
        return m;
    }

    public boolean isMapped(long address) {
        return page(address) != null;
    }

    /** Permissions of the page holding the address, 0 when unmapped. */
    public int permissions(long address) {
        Page p = page(address);
        return p == null ? 0 : p.perms;
    }

    /** Marks the page holding the address as the source of cached decoded code. */
    public void markCode(long address) {
        Page p = page(address);
        if (p != null) {
            p.code = true;
        }
    }

    private void flushCaches() {
        lastRead = null;
        lastWrite = null;
        lastFetch = null;
    }

    private Page page(long address) {
        if ((address >>> 48) != 0) {
            return null;
        }
        int i1 = (int) (address >>> 36) & LEVEL_MASK;
        Page[][] l2 = root[i1];
        if (l2 == null) {
            return null;
        }
        Page[] l3 = l2[(int) (address >>> 24) & LEVEL_MASK];
        return l3 == null ? null : l3[(int) (address >>> 12) & LEVEL_MASK];
    }

    private void put(long address, Page page) {
        int i1 = (int) (address >>> 36) & LEVEL_MASK;
        if (root[i1] == null) {
            root[i1] = new Page[1 << LEVEL_BITS][];
        }
        Page[][] l2 = root[i1];
        int i2 = (int) (address >>> 24) & LEVEL_MASK;
        if (l2[i2] == null) {
            l2[i2] = new Page[1 << LEVEL_BITS];
        }
        l2[i2][(int) (address >>> 12) & LEVEL_MASK] = page;
    }

    private Page readable(long address) {
        Page p = lastRead;
        if (p != null && p.address == (address & -PAGE_SIZE)) {
            return p;
        }
        p = page(address);
        if (p == null || (p.perms & READ) == 0) {
            throw new GuestFault(GuestFault.Kind.PAGE_FAULT, address, false);
        }
        lastRead = p;
        return p;
    }

    private Page writable(long address) {
        Page p = lastWrite;
        if (p != null && p.address == (address & -PAGE_SIZE)) {
            return p;
        }
        p = page(address);
        if (p == null || (p.perms & WRITE) == 0) {
            throw new GuestFault(GuestFault.Kind.PAGE_FAULT, address, true);
        }
        if (p.code) {
            p.code = false;
            codeListener.codeWritten(p.address);
        } else {
            // only cache pages without code so that the first write to a code page is always seen
            lastWrite = p;
        }
        return p;
    }

    @Override
    public int fetch(long address) {
        Page p = lastFetch;
        if (p == null || p.address != (address & -PAGE_SIZE)) {
            p = page(address);
            if (p == null || (p.perms & EXEC) == 0) {
                throw new GuestFault(GuestFault.Kind.PAGE_FAULT, address, false);
            }
            lastFetch = p;
        }
        return p.bytes.get(ValueLayout.JAVA_BYTE, address & (PAGE_SIZE - 1)) & 0xFF;
    }

    public int read8(long address) {
        return readable(address).bytes.get(ValueLayout.JAVA_BYTE, address & (PAGE_SIZE - 1)) & 0xFF;
    }

    public int read16(long address) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 2) {
            return readable(address).bytes.get(U16, off) & 0xFFFF;
        }
        return read8(address) | read8(address + 1) << 8;
    }

    public int read32(long address) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 4) {
            return readable(address).bytes.get(U32, off);
        }
        return read16(address) | read16(address + 2) << 16;
    }

    public long read64(long address) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 8) {
            return readable(address).bytes.get(U64, off);
        }
        return (read32(address) & 0xFFFFFFFFL) | ((long) read32(address + 4) << 32);
    }

    /** Reads 1, 2, 4 or 8 bytes, zero-extended. */
    public long read(long address, int size) {
        return switch (size) {
            case 1 -> read8(address);
            case 2 -> read16(address);
            case 4 -> read32(address) & 0xFFFFFFFFL;
            default -> read64(address);
        };
    }

    public void write8(long address, int value) {
        writable(address).bytes.set(ValueLayout.JAVA_BYTE, address & (PAGE_SIZE - 1), (byte) value);
    }

    public void write16(long address, int value) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 2) {
            writable(address).bytes.set(U16, off, (short) value);
        } else {
            // check both pages before writing either, so a fault leaves memory unchanged
            writable(address + 1);
            write8(address, value);
            write8(address + 1, value >>> 8);
        }
    }

    public void write32(long address, int value) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 4) {
            writable(address).bytes.set(U32, off, value);
        } else {
            writable(address + 3);
            writable(address);
            for (int i = 0; i < 4; i++) {
                write8(address + i, value >>> (8 * i));
            }
        }
    }

    public void write64(long address, long value) {
        long off = address & (PAGE_SIZE - 1);
        if (off <= PAGE_SIZE - 8) {
            writable(address).bytes.set(U64, off, value);
        } else {
            writable(address + 7);
            writable(address);
            for (int i = 0; i < 8; i++) {
                write8(address + i, (int) (value >>> (8 * i)));
            }
        }
    }

    /** Writes the low 1, 2, 4 or 8 bytes of the value. */
    public void write(long address, int size, long value) {
        switch (size) {
            case 1 -> write8(address, (int) value);
            case 2 -> write16(address, (int) value);
            case 4 -> write32(address, (int) value);
            default -> write64(address, value);
        }
    }

    /** Copies bytes into guest memory ignoring permissions (loaders, the test harness); still invalidates code. */
    public void load(long address, byte[] data, int offset, int length) {
        for (int i = 0; i < length; i++) {
            long a = address + i;
            Page p = page(a);
            if (p == null) {
                throw new GuestFault(GuestFault.Kind.PAGE_FAULT, a, true);
            }
            if (p.code) {
                p.code = false;
                codeListener.codeWritten(p.address);
            }
            p.bytes.set(ValueLayout.JAVA_BYTE, a & (PAGE_SIZE - 1), data[offset + i]);
        }
    }

    /** Copies bytes out of guest memory ignoring permissions; throws a page fault on unmapped bytes. */
    public void copyOut(long address, byte[] into, int offset, int length) {
        for (int i = 0; i < length; i++) {
            long a = address + i;
            Page p = page(a);
            if (p == null) {
                throw new GuestFault(GuestFault.Kind.PAGE_FAULT, a, false);
            }
            into[offset + i] = p.bytes.get(ValueLayout.JAVA_BYTE, a & (PAGE_SIZE - 1));
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
