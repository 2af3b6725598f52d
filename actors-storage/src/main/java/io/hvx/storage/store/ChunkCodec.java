package io.hvx.storage.store;

import com.github.luben.zstd.Zstd;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The stored form of a chunk: one kind byte (0 = stored as is, 1 = zstd) and the payload. Decoding
 * verifies the SHA-256 of the result, so a damaged object is never returned as data.
 */
public final class ChunkCodec {
    static final byte STORED = 0;
    static final byte ZSTD = 1;
    private static final int LEVEL = 3;

    private ChunkCodec() {}

    /** Compresses len bytes; keeps them as they are when zstd does not make them smaller. */
    public static byte[] encode(byte[] data, int len) {
        byte[] out = new byte[1 + (int) Zstd.compressBound(len)];
        long n = Zstd.compressByteArray(out, 1, out.length - 1, data, 0, len, LEVEL);
        if (Zstd.isError(n) || n >= len) {
            byte[] stored = new byte[1 + len];
            stored[0] = STORED;
            System.arraycopy(data, 0, stored, 1, len);
            return stored;
        }
        out[0] = ZSTD;
        return Arrays.copyOf(out, 1 + (int) n);
    }

    /**
     * Decodes an object into dst (which must hold expectedLength bytes) and checks it against id.
     *
     * @throws CorruptChunkException when the object is malformed or its hash differs
     */
    public static void decode(ChunkId id, byte[] object, byte[] dst, int expectedLength, MessageDigest digest)
            throws CorruptChunkException {
        if (object.length < 1) {
            throw new CorruptChunkException(id, "the object is empty");
        }
        int len;
        if (object[0] == STORED) {
            len = object.length - 1;
            if (len != expectedLength) {
                throw new CorruptChunkException(id, "it holds " + len + " bytes, expected " + expectedLength);
            }
            System.arraycopy(object, 1, dst, 0, len);
        } else if (object[0] == ZSTD) {
            long n = Zstd.decompressByteArray(dst, 0, expectedLength, object, 1, object.length - 1);
            if (Zstd.isError(n)) {
                throw new CorruptChunkException(id, "zstd cannot decode it (" + Zstd.getErrorName(n) + ")");
            }
            if (n != expectedLength) {
                throw new CorruptChunkException(id, "it decodes to " + n + " bytes, expected " + expectedLength);
            }
            len = (int) n;
        } else {
            throw new CorruptChunkException(id, "unknown encoding " + object[0]);
        }
        digest.reset();
        digest.update(dst, 0, len);
        if (!ChunkId.of(digest.digest()).equals(id)) {
            throw new CorruptChunkException(id, "its SHA-256 does not match its name");
        }
    }
}
