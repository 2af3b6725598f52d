package io.hvx.storage.vhdx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.UUID;

/** A GUID in Windows' on-disk layout: the first three fields little-endian, the last eight bytes as written. */
record Guid(byte[] bytes) {
    static final Guid ZERO = new Guid(new byte[16]);
    static final Guid BAT_REGION = parse("2DC27766-F623-4200-9D64-115E9BFD4A08");
    static final Guid METADATA_REGION = parse("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    static final Guid FILE_PARAMETERS = parse("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    static final Guid VIRTUAL_DISK_SIZE = parse("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    static final Guid VIRTUAL_DISK_ID = parse("BECA12AB-B2E6-4523-93EF-C309E000C746");
    static final Guid LOGICAL_SECTOR_SIZE = parse("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    static final Guid PHYSICAL_SECTOR_SIZE = parse("CDA348C7-445D-4471-9CC9-E9885251C556");
    static final Guid PARENT_LOCATOR = parse("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");

    static Guid parse(String text) {
        UUID u = UUID.fromString(text);
        return fromUuid(u);
    }

    static Guid random() {
        return fromUuid(UUID.randomUUID());
    }

    private static Guid fromUuid(UUID u) {
        ByteBuffer be = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        ByteBuffer le = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        le.putInt(0, be.getInt(0)).putShort(4, be.getShort(4)).putShort(6, be.getShort(6));
        for (int i = 8; i < 16; i++) {
            le.put(i, be.get(i));
        }
        return new Guid(le.array());
    }

    static Guid read(ByteBuffer b, int at) {
        byte[] g = new byte[16];
        b.get(at, g);
        return new Guid(g);
    }

    void write(ByteBuffer b, int at) {
        b.put(at, bytes);
    }

    boolean isZero() {
        return Arrays.equals(bytes, ZERO.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Guid g && Arrays.equals(bytes, g.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
