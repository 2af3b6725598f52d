package io.hvx.devices.bus;

/** A device that answers x86 port I/O (IN/OUT) on the ports it was registered for. */
public interface PortDevice {

    /** Reads {@code size} bytes (1, 2 or 4) from {@code port}; the result is zero-extended. */
    int in(int port, int size);

    /** Writes the low {@code size} bytes (1, 2 or 4) of {@code value} to {@code port}. */
    void out(int port, int size, int value);
}
