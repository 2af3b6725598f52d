package io.hvx.devices.bus;

import java.util.Arrays;

/**
 * The machine's port and MMIO address decoding, called by a vCPU on its own thread.
 *
 * <p>Registration happens while the machine is assembled, before any vCPU runs; lookups afterwards
 * read immutable arrays, so they need no locking and allocate nothing. Unclaimed ports read as all
 * ones and ignore writes, as on a PC bus; unclaimed MMIO reads as zero and ignores writes.
 */
public final class IoBus {

    private final PortDevice[] ports = new PortDevice[0x10000];
    private long[] mmioBases = new long[0];
    private long[] mmioLimits = new long[0];
    private MmioDevice[] mmioDevices = new MmioDevice[0];

    /** Claims {@code count} ports starting at {@code first} for {@code device}. */
    public void registerPorts(int first, int count, PortDevice device) {
        if (first < 0 || count <= 0 || first + count > ports.length) {
            throw new IllegalArgumentException("port range 0x%x+%d is outside 0..0xffff".formatted(first, count));
        }
        for (int port = first; port < first + count; port++) {
            if (ports[port] != null) {
                throw new IllegalArgumentException("port 0x%x is already claimed".formatted(port));
            }
            ports[port] = device;
        }
    }

    /** Claims the guest-physical window {@code [base, base + length)} for {@code device}. */
    public void registerMmio(long base, long length, MmioDevice device) {
        if (length <= 0 || base < 0 || base + length < base) {
            throw new IllegalArgumentException("MMIO window 0x%x+0x%x is invalid".formatted(base, length));
        }
        int at = 0;
        while (at < mmioBases.length && mmioBases[at] < base) {
            at++;
        }
        if ((at > 0 && mmioLimits[at - 1] > base) || (at < mmioBases.length && mmioBases[at] < base + length)) {
            throw new IllegalArgumentException("MMIO window 0x%x+0x%x overlaps another device".formatted(base, length));
        }
        mmioBases = insert(mmioBases, at, base);
        mmioLimits = insert(mmioLimits, at, base + length);
        MmioDevice[] devices = Arrays.copyOf(mmioDevices, mmioDevices.length + 1);
        System.arraycopy(devices, at, devices, at + 1, mmioDevices.length - at);
        devices[at] = device;
        mmioDevices = devices;
    }

    public int in(int port, int size) {
        PortDevice device = ports[port & 0xffff];
        return device == null ? (int) (0xffffffffL >>> (32 - 8 * size)) : device.in(port & 0xffff, size);
    }

    public void out(int port, int size, int value) {
        PortDevice device = ports[port & 0xffff];
        if (device != null) {
            device.out(port & 0xffff, size, value);
        }
    }

    /** True when a device claims {@code address}; a vCPU asks before treating an address as RAM. */
    public boolean isMmio(long address) {
        return find(address) >= 0;
    }

    public long readMmio(long address, int size) {
        int index = find(address);
        return index < 0 ? 0 : mmioDevices[index].read(address - mmioBases[index], size);
    }

    public void writeMmio(long address, int size, long value) {
        int index = find(address);
        if (index >= 0) {
            mmioDevices[index].write(address - mmioBases[index], size, value);
        }
    }

    private int find(long address) {
        int low = 0;
        int high = mmioBases.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (address < mmioBases[mid]) {
                high = mid - 1;
            } else if (address >= mmioLimits[mid]) {
                low = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private static long[] insert(long[] values, int at, long value) {
        long[] grown = Arrays.copyOf(values, values.length + 1);
        System.arraycopy(grown, at, grown, at + 1, values.length - at);
        grown[at] = value;
        return grown;
    }
}
