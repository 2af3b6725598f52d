package io.hvx.storage.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The SHA-256 of a chunk's uncompressed bytes, held as four longs so it is cheap to hash and compare. */
public record ChunkId(long a, long b, long c, long d) {
    private static final HexFormat HEX = HexFormat.of();

    public static ChunkId of(byte[] sha256) {
        if (sha256.length != 32) {
            throw new IllegalArgumentException("a chunk id is 32 bytes, got " + sha256.length);
        }
        return new ChunkId(word(sha256, 0), word(sha256, 8), word(sha256, 16), word(sha256, 24));
    }

    /** Hashes len bytes of data. */
    public static ChunkId hash(byte[] data, int offset, int len) {
        MessageDigest digest = sha256();
        digest.update(data, offset, len);
        return of(digest.digest());
    }

    /** Parses 64 lowercase or uppercase hex digits; throws IllegalArgumentException otherwise. */
    public static ChunkId parse(String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException("a chunk id is 64 hex digits: '" + hex + "'");
        }
        return of(HEX.parseHex(hex));
    }

    public String hex() {
        return HEX.toHexDigits(a) + HEX.toHexDigits(b) + HEX.toHexDigits(c) + HEX.toHexDigits(d);
    }

    /** The first byte, used to spread chunks over directories and cache shards. */
    public int firstByte() {
        return (int) (a >>> 56);
    }

    @Override
    public String toString() {
        return hex();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static long word(byte[] bytes, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (bytes[at + i] & 0xff);
        }
        return v;
    }
}
