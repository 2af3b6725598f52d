package io.hvx.storage.qcow2;

import io.hvx.storage.block.ImageFormatException;

/** Compresses and decompresses one qcow2 cluster; one instance per image, used under the image's lock. */
sealed interface ClusterCodec extends AutoCloseable permits ZlibCodec, ZstdCodec {
    int TYPE_ZLIB = 0;
    int TYPE_ZSTD = 1;

    /**
     * Fills out[0, clusterSize) from the compressed bytes in[0, length); length may include the padding up to the
     * next sector, which is ignored. Throws when the data is corrupt or decodes to fewer bytes than a cluster.
     */
    void decompress(byte[] in, int length, byte[] out, int clusterSize) throws ImageFormatException;

    /** Compresses in[0, length) into out; returns the compressed length, or -1 when it would not be smaller. */
    int compress(byte[] in, int length, byte[] out);

    /** The header's compression_type value. */
    int type();

    @Override
    void close();

    static ClusterCodec of(int type) throws ImageFormatException {
        return switch (type) {
            case TYPE_ZLIB -> new ZlibCodec();
            case TYPE_ZSTD -> new ZstdCodec();
            default -> throw new ImageFormatException("unknown qcow2 compression type " + type);
        };
    }

    static String name(int type) {
        return type == TYPE_ZSTD ? "zstd" : "zlib";
    }
}
