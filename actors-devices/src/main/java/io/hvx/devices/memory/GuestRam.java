package io.hvx.devices.memory;

import io.hvx.devices.x86.Layout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM's guest-physical RAM: one off-heap anonymous mapping, laid out around the 32-bit MMIO hole.
 *
 * <p>Guest addresses [0, min(size, hole)) are the mapping's first bytes; whatever does not fit below
 * {@link Layout#MMIO_HOLE_START} appears at {@link Layout#RAM_ABOVE_4G}. Pages are mapped lazily by the
 * host kernel (MAP_NORESERVE), so untouched guest RAM costs nothing. vCPUs and devices share the segment.
 */
public final class GuestRam implements AutoCloseable {

    /** Smallest RAM the machine accepts: the low megabyte plus room for a kernel. */
    public static final long MIN_SIZE = 16L << 20;

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_NORESERVE = 0x4000;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        MMAP = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MUNMAP = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private final long size;
    private final long lowEnd;
    private final Arena arena;
    private final MemorySegment segment;
    private boolean closed;

    private GuestRam(long size, Arena arena, MemorySegment segment) {
        this.size = size;
        this.arena = arena;
        this.lowEnd = Math.min(size, Layout.MMIO_HOLE_START);
        this.segment = segment;
    }

    /** Maps {@code size} bytes of zeroed guest RAM (a multiple of 4 KiB, at least {@link #MIN_SIZE}). */
    public static GuestRam allocate(long size) {
        if (size < MIN_SIZE || (size & 0xfff) != 0) {
            throw new IllegalArgumentException(
                "guest RAM of %d bytes: it must be a multiple of 4 KiB and at least %d MiB".formatted(size, MIN_SIZE >> 20));
        }
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of guest RAM failed", t);
        }
        if (address.address() == -1L) {
            throw new IllegalStateException("cannot map %d MiB of guest RAM (mmap failed)".formatted(size >> 20));
        }
        Arena arena = Arena.ofShared();
        // closing the arena invalidates every view first, so a late access fails cleanly instead of faulting
        return new GuestRam(size, arena, address.reinterpret(size, arena, unmapped -> unmap(unmapped, size)));
    }

    /** Total RAM in bytes. */
    public long size() {
        return size;
    }

    /** The end of RAM below the MMIO hole (exclusive). */
    public long lowEnd() {
        return lowEnd;
    }

    /** The whole mapping; guest address {@code a} is at {@link #offset(long)}. */
    public MemorySegment segment() {
        return segment;
    }

    /** True when {@code [address, address + length)} is entirely RAM. */
    public boolean contains(long address, long length) {
        if (length < 0 || address < 0) {
            return false;
        }
        if (address + length <= lowEnd) {
            return true;
        }
        long high = size - lowEnd;
        return address >= Layout.RAM_ABOVE_4G && address + length <= Layout.RAM_ABOVE_4G + high;
    }

    /** The offset in {@link #segment()} of guest-physical {@code address}, or -1 when it is not RAM. */
    public long offset(long address) {
        if (address >= 0 && address < lowEnd) {
            return address;
        }
        long high = address - Layout.RAM_ABOVE_4G;
        if (high >= 0 && high < size - lowEnd) {
            return lowEnd + high;
        }
        return -1;
    }

    /** A view of {@code [address, address + length)}, which must be RAM on one side of the hole. */
    public MemorySegment slice(long address, long length) {
        if (!contains(address, length)) {
            throw new IllegalArgumentException("guest range 0x%x+0x%x is not RAM".formatted(address, length));
        }
        return segment.asSlice(offset(address), length);
    }

    public void write(long address, byte[] bytes) {
        write(address, bytes, 0, bytes.length);
    }

    public void write(long address, byte[] bytes, int from, int length) {
        MemorySegment.copy(bytes, from, slice(address, length), ValueLayout.JAVA_BYTE, 0, length);
    }

    public byte[] read(long address, int length) {
        byte[] bytes = new byte[length];
        MemorySegment.copy(slice(address, length), ValueLayout.JAVA_BYTE, 0, bytes, 0, length);
        return bytes;
    }

    public void putLong(long address, long value) {
        slice(address, 8).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
    }

    public long getLong(long address) {
        return slice(address, 8).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    public void putInt(long address, int value) {
        slice(address, 4).set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
    }

    public int getInt(long address) {
        return slice(address, 4).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    /**
     * The e820 map Linux gets: low RAM up to the EBDA, the BIOS area (ACPI tables) reserved, RAM from
     * 1 MiB to the hole, and RAM above 4 GiB when there is more.
     */
    public List<E820Entry> e820() {
        List<E820Entry> map = new ArrayList<>();
        map.add(new E820Entry(0, Layout.EBDA_START, E820Entry.RAM));
        map.add(new E820Entry(Layout.BIOS_AREA, Layout.HIGH_MEMORY - Layout.BIOS_AREA, E820Entry.RESERVED));
        map.add(new E820Entry(Layout.HIGH_MEMORY, lowEnd - Layout.HIGH_MEMORY, E820Entry.RAM));
        if (size > lowEnd) {
            map.add(new E820Entry(Layout.RAM_ABOVE_4G, size - lowEnd, E820Entry.RAM));
        }
        return List.copyOf(map);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private static void unmap(MemorySegment mapping, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(mapping.address()), size);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap of guest RAM failed", t);
        }
    }
}
