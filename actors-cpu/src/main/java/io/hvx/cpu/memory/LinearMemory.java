package io.hvx.cpu.memory;

import io.hvx.cpu.decode.ByteSource;

/**
 * The interpreter's view of guest memory by linear address: a user process's address space
 * ({@link GuestMemory}) or, in system mode, paging over guest-physical RAM and MMIO.
 *
 * <p>Implementations throw {@link GuestFault} for an access the guest may not make, before changing anything.
 */
public interface LinearMemory extends ByteSource {
    int read8(long address);

    int read16(long address);

    int read32(long address);

    long read64(long address);

    /** Reads 1, 2, 4 or 8 bytes, zero-extended. */
    long read(long address, int size);

    void write8(long address, int value);

    void write16(long address, int value);

    void write32(long address, int value);

    void write64(long address, long value);

    /** Writes the low 1, 2, 4 or 8 bytes of the value. */
    void write(long address, int size, long value);
}
