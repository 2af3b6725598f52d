package io.hvx.cpu.mmu;

import io.hvx.devices.bus.IoBus;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A VM's guest-physical address space as its vCPUs see it: RAM is one off-heap segment from address zero,
 * and every address a device claims on the {@link IoBus} (or that lies beyond RAM) goes to the bus.
 */
public final class PhysicalMemory {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VarHandle PTE = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment ram;
    private final long ramSize;
    private final IoBus bus;

    /** RAM must be page-aligned in size; {@code ram} is shared by all vCPUs and devices (DMA). */
    public PhysicalMemory(MemorySegment ram, IoBus bus) {
        if ((ram.byteSize() & 0xFFF) != 0) {
            throw new IllegalArgumentException("guest RAM size " + ram.byteSize() + " is not a multiple of 4 KiB");
        }
        this.ram = ram;
        this.ramSize = ram.byteSize();
        this.bus = bus;
    }

    public MemorySegment ram() {
        return ram;
    }

    public IoBus bus() {
        return bus;
    }

    /** Whether the 4 KiB page holding {@code address} is plain RAM (no device claims any byte of it). */
    public boolean isRamPage(long address) {
        long page = address & -4096L;
        return address >= 0 && page < ramSize && !bus.isMmio(page) && !bus.isMmio(page + 4095);
    }

    /** Reads 1, 2, 4 or 8 bytes at a guest-physical address. */
    public long read(long address, int size) {
        if (address >= 0 && address + size <= ramSize && !bus.isMmio(address)) {
            return switch (size) {
                case 1 -> ram.get(ValueLayout.JAVA_BYTE, address) & 0xFFL;
                case 2 -> ram.get(U16, address) & 0xFFFFL;
                case 4 -> ram.get(U32, address) & 0xFFFFFFFFL;
                default -> ram.get(U64, address);
            };
        }
        return bus.readMmio(address, size);
    }

    /** Writes the low 1, 2, 4 or 8 bytes of the value at a guest-physical address. */
    public void write(long address, int size, long value) {
        if (address >= 0 && address + size <= ramSize && !bus.isMmio(address)) {
            switch (size) {
                case 1 -> ram.set(ValueLayout.JAVA_BYTE, address, (byte) value);
                case 2 -> ram.set(U16, address, (short) value);
                case 4 -> ram.set(U32, address, (int) value);
                default -> ram.set(U64, address, value);
            }
            return;
        }
        bus.writeMmio(address, size, size == 8 ? value : value & ((1L << (size * 8)) - 1));
    }

    /** Reads a paging-structure entry (8-byte aligned); 0 (not present) outside RAM. */
    long readEntry(long address) {
        if (address < 0 || address + 8 > ramSize) {
            return 0;
        }
        return (long) PTE.getVolatile(ram, address);
    }

    /** Sets bits in a paging-structure entry atomically, as other vCPUs may change it at the same time. */
    void setEntryBits(long address, long expected, long bits) {
        long v = expected;
        while ((v & bits) != bits) {
            if (PTE.compareAndSet(ram, address, v, v | bits)) {
                return;
            }
            v = (long) PTE.getVolatile(ram, address);
        }
    }

    private static final VarHandle WORD = ValueLayout.JAVA_INT.varHandle();

    /**
     * Replaces the value at a RAM address if it still equals {@code expected} (1, 2, 4 or 8 bytes); false when it
     * changed. A value that straddles an aligned word, or MMIO, is written without the check.
     */
    boolean compareAndSet(long address, int size, long expected, long value) {
        if (address < 0 || address + size > ramSize || bus.isMmio(address)) {
            write(address, size, value);
            return true;
        }
        if (size == 8 && (address & 7) == 0) {
            return PTE.compareAndSet(ram, address, expected, value);
        }
        long word = address & -4L;
        int shift = (int) (address - word) * 8;
        if (size == 8 || shift + size * 8 > 32) {
            write(address, size, value); // split: the caller's global lock orders it against other locked writes
            return true;
        }
        int mask = size == 4 ? -1 : ((1 << (size * 8)) - 1) << shift;
        while (true) {
            int w = (int) WORD.getVolatile(ram, word);
            if (((w & mask) >>> shift) != (int) (expected & (mask >>> shift))) {
                return false;
            }
            int nw = (w & ~mask) | (((int) value << shift) & mask);
            if (WORD.compareAndSet(ram, word, w, nw)) {
                return true;
            }
        }
    }

    public long ramSize() {
        return ramSize;
    }

    /** Copies bytes into guest-physical RAM (loaders). */
    public void load(long address, byte[] data) {
        if (address < 0 || address + data.length > ramSize) {
            throw new IllegalArgumentException("0x%x+%d is outside guest RAM (%d bytes)".formatted(address, data.length,
                    ramSize));
        }
        MemorySegment.copy(data, 0, ram, ValueLayout.JAVA_BYTE, address, data.length);
    }
}
