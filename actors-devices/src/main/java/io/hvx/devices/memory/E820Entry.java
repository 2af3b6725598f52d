package io.hvx.devices.memory;

/** One range of the e820 memory map Linux reads from boot_params. */
public record E820Entry(long address, long length, int type) {

    public static final int RAM = 1;
    public static final int RESERVED = 2;
    public static final int ACPI = 3;

    public long end() {
        return address + length;
    }
}
