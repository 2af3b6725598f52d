package io.hvx.devices.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small AML encoder: just the terms hvx's DSDT uses (Scope, Device, Name, integers, strings,
 * EISA IDs, packages and resource-template buffers), each returned as bytes to nest in a parent.
 */
public final class Aml {

    private static final int ZERO_OP = 0x00;
    private static final int ONE_OP = 0x01;
    private static final int NAME_OP = 0x08;
    private static final int BYTE_PREFIX = 0x0a;
    private static final int WORD_PREFIX = 0x0b;
    private static final int DWORD_PREFIX = 0x0c;
    private static final int STRING_PREFIX = 0x0d;
    private static final int QWORD_PREFIX = 0x0e;
    private static final int SCOPE_OP = 0x10;
    private static final int BUFFER_OP = 0x11;
    private static final int PACKAGE_OP = 0x12;
    private static final int EXT_OP_PREFIX = 0x5b;
    private static final int DEVICE_OP = 0x82;
    private static final int ONES_OP = 0xff;

    private Aml() {
    }

    /** {@code Scope(name) { terms }}. */
    public static byte[] scope(String name, byte[]... terms) {
        return op(new int[] {SCOPE_OP}, name, terms);
    }

    /** {@code Device(name) { terms }}. */
    public static byte[] device(String name, byte[]... terms) {
        return op(new int[] {EXT_OP_PREFIX, DEVICE_OP}, name, terms);
    }

    /** {@code Name(name, value)}. */
    public static byte[] name(String name, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(NAME_OP);
        out.writeBytes(nameString(name));
        out.writeBytes(value);
        return out.toByteArray();
    }

    /** The shortest encoding of an integer constant. */
    public static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if (value == -1) {
            return new byte[] {(byte) ONES_OP};
        }
        if (value > 0 && value <= 0xff) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        if (value > 0 && value <= 0xffff) {
            return littleEndian(WORD_PREFIX, value, 2);
        }
        if (value > 0 && value <= 0xffff_ffffL) {
            return littleEndian(DWORD_PREFIX, value, 4);
        }
        return littleEndian(QWORD_PREFIX, value, 8);
    }

    /** A string constant (ASCII, zero-terminated). */
    public static byte[] string(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(STRING_PREFIX);
        out.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
        out.write(0);
        return out.toByteArray();
    }

    /** {@code EisaId("PNP0501")}: three letters and four hex digits compressed into a DWORD constant. */
    public static byte[] eisaId(String id) {
        if (id.length() != 7) {
            throw new IllegalArgumentException("EISA ID '%s' must be 3 letters and 4 hex digits".formatted(id));
        }
        int letters = ((id.charAt(0) - 0x40) << 10) | ((id.charAt(1) - 0x40) << 5) | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        // stored big-endian: the letters' 16 bits, then the product number's
        long value = ((letters >>> 8) & 0xff) | ((letters & 0xff) << 8) | (((product >>> 8) & 0xff) << 16)
            | ((long) (product & 0xff) << 24);
        return littleEndian(DWORD_PREFIX, value, 4);
    }

    /** {@code Package() { elements }}. */
    public static byte[] pack(byte[]... elements) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(elements.length);
        for (byte[] element : elements) {
            body.writeBytes(element);
        }
        return withPkgLength(new int[] {PACKAGE_OP}, body.toByteArray());
    }

    /** {@code ResourceTemplate() { descriptors }}: a buffer of resource descriptors closed by an end tag. */
    public static byte[] resourceTemplate(byte[]... descriptors) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] descriptor : descriptors) {
            data.writeBytes(descriptor);
        }
        data.write(0x79); // end tag; a zero checksum means "treat as valid"
        data.write(0);
        byte[] bytes = data.toByteArray();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(integer(bytes.length));
        body.writeBytes(bytes);
        return withPkgLength(new int[] {BUFFER_OP}, body.toByteArray());
    }

    /** {@code IO(Decode16, base, base, 1, length)}: a fixed range of I/O ports. */
    public static byte[] ioPorts(int base, int length) {
        return new byte[] {0x47, 0x01, (byte) base, (byte) (base >>> 8), (byte) base, (byte) (base >>> 8), 0x01,
            (byte) length};
    }

    /** {@code IRQNoFlags() { irq }}: an ISA interrupt (edge, active high). */
    public static byte[] isaIrq(int irq) {
        int mask = 1 << irq;
        return new byte[] {0x22, (byte) mask, (byte) (mask >>> 8)};
    }

    /** {@code Memory32Fixed(ReadWrite, base, length)}. */
    public static byte[] memory32Fixed(long base, long length) {
        byte[] d = new byte[12];
        d[0] = (byte) 0x86;
        d[1] = 9;
        d[3] = 1;
        putInt(d, 4, base);
        putInt(d, 8, length);
        return d;
    }

    /** {@code Interrupt(ResourceConsumer, Level|Edge, ActiveHigh, Exclusive) { gsi }}. */
    public static byte[] extendedInterrupt(int gsi, boolean levelTriggered) {
        byte[] d = new byte[9];
        d[0] = (byte) 0x89;
        d[1] = 6;
        d[3] = (byte) (0x01 | (levelTriggered ? 0 : 0x02)); // consumer; bit 1 set means edge
        d[4] = 1;
        putInt(d, 5, gsi);
        return d;
    }

    private static byte[] op(int[] opcode, String name, byte[]... terms) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(nameString(name));
        for (byte[] term : terms) {
            body.writeBytes(term);
        }
        return withPkgLength(opcode, body.toByteArray());
    }

    /** Opcode, PkgLength (which counts itself), body. */
    static byte[] withPkgLength(int[] opcode, byte[] body) {
        int lengthBytes = 1;
        while (lengthBytes < 4 && !(body.length + lengthBytes < (lengthBytes == 1 ? 0x40 : 1 << (4 + 8 * (lengthBytes - 1))))) {
            lengthBytes++;
        }
        int total = body.length + lengthBytes;
        if (lengthBytes == 4 && total >= 1 << 28) {
            throw new IllegalArgumentException("AML package of %d bytes is too large".formatted(total));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b : opcode) {
            out.write(b);
        }
        if (lengthBytes == 1) {
            out.write(total);
        } else {
            out.write(((lengthBytes - 1) << 6) | (total & 0xf));
            for (int i = 0; i < lengthBytes - 1; i++) {
                out.write(total >>> (4 + 8 * i));
            }
        }
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** A NameString: an optional root prefix and one or more 4-character segments separated by dots. */
    static byte[] nameString(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String path = name;
        if (path.startsWith("\\")) {
            out.write('\\');
            path = path.substring(1);
        }
        String[] segments = path.split("\\.");
        if (segments.length == 2) {
            out.write(0x2e); // DualNamePrefix
        } else if (segments.length > 2) {
            out.write(0x2f); // MultiNamePrefix
            out.write(segments.length);
        }
        for (String segment : segments) {
            if (segment.isEmpty() || segment.length() > 4 || !segment.matches("[A-Z_][A-Z0-9_]*")) {
                throw new IllegalArgumentException("'%s' is not an ACPI name segment".formatted(segment));
            }
            String padded = (segment + "____").substring(0, 4);
            out.writeBytes(padded.getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static byte[] littleEndian(int prefix, long value, int bytes) {
        byte[] out = new byte[bytes + 1];
        out[0] = (byte) prefix;
        for (int i = 0; i < bytes; i++) {
            out[1 + i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    private static void putInt(byte[] d, int at, long value) {
        for (int i = 0; i < 4; i++) {
            d[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
