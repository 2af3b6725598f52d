package io.hvx.devices.virtio;

/** A device configuration space as little-endian fields in a byte array, filled once and read bytewise. */
public final class ConfigSpace {
    private final byte[] bytes;

    public ConfigSpace(int size) {
        bytes = new byte[size];
    }

    public ConfigSpace put(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    public int size() {
        return bytes.length;
    }

    public int read(int offset) {
        return bytes[offset] & 0xff;
    }
}
