package io.hvx.devices.bus;

/** A device that answers memory-mapped I/O inside the guest-physical window it was registered for. */
public interface MmioDevice {

    /** Reads {@code size} bytes (1, 2, 4 or 8) at {@code offset} from the start of the window. */
    long read(long offset, int size);

    /** Writes the low {@code size} bytes (1, 2, 4 or 8) of {@code value} at {@code offset}. */
    void write(long offset, int size, long value);
}
