package io.hvx.devices.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds one ACPI system description table: the 36-byte header, a little-endian body, the checksum. */
final class SdtWriter {

    static final String OEM_ID = "HVX   ";
    static final String OEM_TABLE_ID = "HVXMACHN";
    static final int HEADER = 36;

    private final ByteBuffer buffer;

    SdtWriter(String signature, int revision, int capacity) {
        buffer = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(signature.getBytes(StandardCharsets.US_ASCII));
        buffer.putInt(0); // length, set in finish()
        buffer.put((byte) revision);
        buffer.put((byte) 0); // checksum, set in finish()
        buffer.put(OEM_ID.getBytes(StandardCharsets.US_ASCII));
        buffer.put(OEM_TABLE_ID.getBytes(StandardCharsets.US_ASCII));
        buffer.putInt(1); // OEM revision
        buffer.put("HVX ".getBytes(StandardCharsets.US_ASCII)); // creator
        buffer.putInt(1); // creator revision
    }

    ByteBuffer body() {
        return buffer;
    }

    byte[] finish() {
        int length = buffer.position();
        buffer.putInt(4, length);
        byte[] table = new byte[length];
        buffer.get(0, table);
        table[9] = checksum(table, 0, length);
        return table;
    }

    /** The byte that makes {@code bytes[from, from + length)} sum to zero (mod 256). */
    static byte checksum(byte[] bytes, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    /** A Generic Address Structure for a byte-wide I/O port. */
    static void ioPortAddress(ByteBuffer b, int port) {
        b.put((byte) 1).put((byte) 8).put((byte) 0).put((byte) 1).putLong(port);
    }
}
