package io.hvx.cpu.mmu;

import static io.hvx.cpu.mmu.PhysicalMemory.U16;
import static io.hvx.cpu.mmu.PhysicalMemory.U32;
import static io.hvx.cpu.mmu.PhysicalMemory.U64;

import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One vCPU's linear address space: 4-level paging (or none, before CR0.PG) over {@link PhysicalMemory}, with a
 * direct-mapped software TLB per access kind and privilege so that a hit costs a compare and a segment access.
 *
 * <p>Only RAM pages enter the TLB; MMIO pages are walked on every access and go to the bus. The A and D bits are
 * set atomically in the guest's page tables, as a CPU does.
 */
public final class Mmu implements LinearMemory {
    /** #PF error code bits. */
    public static final int PF_PRESENT = 1, PF_WRITE = 2, PF_USER = 4, PF_RESERVED = 8, PF_FETCH = 16;
    private static final int BITS = 10;
    private static final int SIZE = 1 << BITS;
    private static final int MASK = SIZE - 1;
    private static final long INVALID = 1; // never equals a page address
    private static final long FRAME = 0x000F_FFFF_FFFF_F000L;
    private static final int READ = 0, WRITE = 1, FETCH = 2;
    private static final int P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;

    private final PhysicalMemory phys;
    private final MemorySegment ram;
    // [privilege 0 supervisor / 1 user][access kind]
    private final long[][][] tags = new long[2][3][SIZE];
    private final long[][][] offsets = new long[2][3][SIZE];
    private final boolean[][][] global = new boolean[2][3][SIZE];
    private long[] readTag;
    private long[] writeTag;
    private long[] fetchTag;
    private long[] readOff;
    private long[] writeOff;
    private long[] fetchOff;
    private boolean user;
    private boolean paging;
    private boolean writeProtect;
    private boolean noExecute;
    private boolean globalPages;
    private long root;
    private long walks;
    // a locked read-modify-write runs with empty TLB views so that its accesses reach the slow path
    private final long[] none = new long[SIZE];
    private boolean locked;
    private boolean lockedRead;
    private long lockedAddress;
    private int lockedSize;
    private long lockedValue;

    public Mmu(PhysicalMemory phys) {
        this.phys = phys;
        this.ram = phys.ram();
        flushAll();
        Arrays.fill(none, INVALID);
        privilege(false);
    }

    public PhysicalMemory physical() {
        return phys;
    }

    /** Selects user (CPL 3) or supervisor permission checks for the accesses that follow. */
    public void privilege(boolean user) {
        this.user = user;
        int p = user ? 1 : 0;
        readTag = tags[p][READ];
        writeTag = tags[p][WRITE];
        fetchTag = tags[p][FETCH];
        readOff = offsets[p][READ];
        writeOff = offsets[p][WRITE];
        fetchOff = offsets[p][FETCH];
    }

    public boolean user() {
        return user;
    }

    /**
     * Sets the translation regime from CR0.PG/WP, CR4.PGE, EFER.NXE and CR3; flushes the TLB when anything but
     * CR3 changes (a CR3 change alone flushes non-global entries, as MOV to CR3 does).
     */
    public void configure(boolean paging, boolean writeProtect, boolean globalPages, boolean noExecute, long cr3) {
        boolean regime = paging != this.paging || writeProtect != this.writeProtect || globalPages != this.globalPages
                || noExecute != this.noExecute;
        this.paging = paging;
        this.writeProtect = writeProtect;
        this.globalPages = globalPages;
        this.noExecute = noExecute;
        this.root = cr3 & FRAME;
        if (regime) {
            flushAll();
        } else {
            flushNonGlobal();
        }
    }

    /**
     * Starts a LOCK-prefixed (or XCHG) instruction: its first read is remembered and its write to the same place
     * becomes a compare-and-set on guest RAM, so that it is atomic with respect to every other vCPU's stores. When
     * another store got in between, the write throws {@link LockedRetry} and the caller runs the instruction again.
     */
    public void beginLocked() {
        locked = true;
        lockedRead = false;
        readTag = none;
        writeTag = none;
    }

    /** Ends what {@link #beginLocked()} started. */
    public void endLocked() {
        locked = false;
        privilege(user);
    }

    public void flushAll() {
        for (long[][] byKind : tags) {
            for (long[] t : byKind) {
                Arrays.fill(t, INVALID);
            }
        }
    }

    public void flushNonGlobal() {
        for (int p = 0; p < 2; p++) {
            for (int k = 0; k < 3; k++) {
                long[] t = tags[p][k];
                boolean[] g = global[p][k];
                for (int i = 0; i < SIZE; i++) {
                    if (!g[i]) {
                        t[i] = INVALID;
                    }
                }
            }
        }
    }

    /** INVLPG: drops the translation of the page holding {@code address}, global or not. */
    public void invalidate(long address) {
        long page = address & -4096L;
        int i = (int) (address >>> 12) & MASK;
        for (long[][] byKind : tags) {
            for (long[] t : byKind) {
                if (t[i] == page) {
                    t[i] = INVALID;
                }
            }
        }
    }

    /** Page walks done since creation (TLB misses plus MMIO accesses). */
    public long walks() {
        return walks;
    }

    @Override
    public int fetch(long address) {
        int i = (int) (address >>> 12) & MASK;
        if (fetchTag[i] == (address & -4096L)) {
            return ram.get(ValueLayout.JAVA_BYTE, fetchOff[i] + (address & 0xFFF)) & 0xFF;
        }
        return (int) slowRead(address, 1, FETCH);
    }

    @Override
    public int read8(long address) {
        int i = (int) (address >>> 12) & MASK;
        if (readTag[i] == (address & -4096L)) {
            return ram.get(ValueLayout.JAVA_BYTE, readOff[i] + (address & 0xFFF)) & 0xFF;
        }
        return (int) slowRead(address, 1, READ);
    }

    @Override
    public int read16(long address) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (readTag[i] == (address & -4096L) && o <= 4094) {
            return ram.get(U16, readOff[i] + o) & 0xFFFF;
        }
        return (int) slowRead(address, 2, READ);
    }

    @Override
    public int read32(long address) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (readTag[i] == (address & -4096L) && o <= 4092) {
            return ram.get(U32, readOff[i] + o);
        }
        return (int) slowRead(address, 4, READ);
    }

    @Override
    public long read64(long address) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (readTag[i] == (address & -4096L) && o <= 4088) {
            return ram.get(U64, readOff[i] + o);
        }
        return slowRead(address, 8, READ);
    }

    @Override
    public long read(long address, int size) {
        return switch (size) {
            case 1 -> read8(address);
            case 2 -> read16(address);
            case 4 -> read32(address) & 0xFFFFFFFFL;
            default -> read64(address);
        };
    }

    @Override
    public void write8(long address, int value) {
        int i = (int) (address >>> 12) & MASK;
        if (writeTag[i] == (address & -4096L)) {
            ram.set(ValueLayout.JAVA_BYTE, writeOff[i] + (address & 0xFFF), (byte) value);
            return;
        }
        slowWrite(address, 1, value);
    }

    @Override
    public void write16(long address, int value) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (writeTag[i] == (address & -4096L) && o <= 4094) {
            ram.set(U16, writeOff[i] + o, (short) value);
            return;
        }
        slowWrite(address, 2, value);
    }

    @Override
    public void write32(long address, int value) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (writeTag[i] == (address & -4096L) && o <= 4092) {
            ram.set(U32, writeOff[i] + o, value);
            return;
        }
        slowWrite(address, 4, value);
    }

    @Override
    public void write64(long address, long value) {
        int i = (int) (address >>> 12) & MASK;
        long o = address & 0xFFF;
        if (writeTag[i] == (address & -4096L) && o <= 4088) {
            ram.set(U64, writeOff[i] + o, value);
            return;
        }
        slowWrite(address, 8, value);
    }

    @Override
    public void write(long address, int size, long value) {
        switch (size) {
            case 1 -> write8(address, (int) value);
            case 2 -> write16(address, (int) value);
            case 4 -> write32(address, (int) value);
            default -> write64(address, value);
        }
    }

    /**
     * The physical address an instruction fetch at {@code address} reads, checked as a fetch by the current
     * privilege (a #PF when not allowed).
     */
    public long translateFetch(long address) {
        int i = (int) (address >>> 12) & MASK;
        if (fetchTag[i] == (address & -4096L)) {
            return fetchOff[i] + (address & 0xFFF);
        }
        return translate(address, FETCH);
    }

    private long slowRead(long address, int size, int kind) {
        if (((address & 0xFFF) + size) > 4096) {
            long v = 0;
            for (int b = 0; b < size; b++) {
                v |= (long) (kind == FETCH ? fetch(address + b) : read8(address + b)) << (8 * b);
            }
            return v;
        }
        long pa = translate(address, kind);
        long v = phys.read(pa, size);
        if (locked && !lockedRead && kind == READ) {
            lockedRead = true;
            lockedAddress = address;
            lockedSize = size;
            lockedValue = v;
        }
        return v;
    }

    private void slowWrite(long address, int size, long value) {
        if (((address & 0xFFF) + size) > 4096) {
            // both pages must be writable before either changes
            translate(address, WRITE);
            translate(address + size - 1, WRITE);
            for (int b = 0; b < size; b++) {
                write8(address + b, (int) (value >>> (8 * b)));
            }
            return;
        }
        long pa = translate(address, WRITE);
        if (locked && lockedRead && address == lockedAddress && size == lockedSize) {
            if (!phys.compareAndSet(pa, size, lockedValue, value)) {
                lockedRead = false; // the retry reads afresh
                throw LockedRetry.INSTANCE;
            }
            return;
        }
        phys.write(pa, size, value);
    }

    /** Walks (or identity-maps) the address for one access, fills the TLB for RAM pages, returns the physical address. */
    private long translate(long address, int kind) {
        walks++;
        long page = address & -4096L;
        if (!paging) {
            long pa = address & 0xFFFF_FFFFL;
            fill(page, pa & -4096L, kind, true, true, false);
            return pa;
        }
        if ((address << 16 >> 16) != address) {
            throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, address, kind == WRITE, 0);
        }
        long table = root;
        boolean writable = true;
        boolean userOk = true;
        boolean nx = false;
        long entry = 0;
        long entryAddress = 0;
        long pageMask = 0xFFF;
        for (int level = 4; level >= 1; level--) {
            entryAddress = table + (((address >>> (12 + 9 * (level - 1))) & 511) << 3);
            entry = phys.readEntry(entryAddress);
            if ((entry & P) == 0) {
                throw pageFault(address, kind, 0);
            }
            if ((entry < 0 && !noExecute) || (level == 4 && (entry & PS) != 0)) {
                throw pageFault(address, kind, PF_PRESENT | PF_RESERVED);
            }
            writable &= (entry & RW) != 0;
            userOk &= (entry & US) != 0;
            nx |= entry < 0;
            if (level == 1 || (level <= 3 && (entry & PS) != 0)) {
                pageMask = level == 1 ? 0xFFF : level == 2 ? 0x1F_FFFF : 0x3FFF_FFFF;
                break;
            }
            if ((entry & A) == 0) {
                phys.setEntryBits(entryAddress, entry, A);
            }
            table = entry & FRAME;
        }
        boolean write = kind == WRITE;
        if (user && !userOk) {
            throw pageFault(address, kind, PF_PRESENT);
        }
        boolean mayWrite = writable || (!user && !writeProtect);
        if (write && !mayWrite) {
            throw pageFault(address, kind, PF_PRESENT);
        }
        boolean mayFetch = !(nx && noExecute);
        if (kind == FETCH && !mayFetch) {
            throw pageFault(address, kind, PF_PRESENT);
        }
        long bits = write ? A | D : A;
        if ((entry & bits) != bits) {
            phys.setEntryBits(entryAddress, entry, bits);
        }
        long pa = (entry & FRAME & ~pageMask) | (address & pageMask);
        boolean dirty = write || (entry & D) != 0;
        fill(page, pa & -4096L, kind, mayWrite && dirty, mayFetch, globalPages && (entry & G) != 0);
        return pa;
    }

    private void fill(long page, long frame, int kind, boolean mayWrite, boolean mayFetch, boolean isGlobal) {
        if (!phys.isRamPage(frame)) {
            return; // MMIO and holes are walked every time
        }
        int i = (int) (page >>> 12) & MASK;
        int p = user ? 1 : 0;
        set(p, READ, i, page, frame, isGlobal);
        if (mayWrite) {
            set(p, WRITE, i, page, frame, isGlobal);
        }
        if (mayFetch || kind == FETCH) {
            set(p, FETCH, i, page, frame, isGlobal);
        }
    }

    private void set(int p, int kind, int i, long page, long frame, boolean isGlobal) {
        tags[p][kind][i] = page;
        offsets[p][kind][i] = frame;
        global[p][kind][i] = isGlobal;
    }

    private GuestFault pageFault(long address, int kind, int bits) {
        int code = bits;
        if (kind == WRITE) {
            code |= PF_WRITE;
        }
        if (user) {
            code |= PF_USER;
        }
        if (kind == FETCH && noExecute) {
            code |= PF_FETCH;
        }
        return new GuestFault(GuestFault.Kind.PAGE_FAULT, address, kind == WRITE, code);
    }
}
