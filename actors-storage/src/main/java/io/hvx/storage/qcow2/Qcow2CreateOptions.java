package io.hvx.storage.qcow2;

import io.hvx.storage.block.ImageFormatException;

/** What a new qcow2 image looks like: cluster size, backing file, compression type, extended L2 entries. */
public record Qcow2CreateOptions(int clusterBits, String backingFile, String backingFormat, String compressionType,
        boolean extendedL2) {

    public static Qcow2CreateOptions defaults() {
        return new Qcow2CreateOptions(16, null, null, "zlib", false);
    }

    int compressionTypeCode() throws ImageFormatException {
        return switch (compressionType == null ? "zlib" : compressionType) {
            case "zlib" -> ClusterCodec.TYPE_ZLIB;
            case "zstd" -> ClusterCodec.TYPE_ZSTD;
            default -> throw new ImageFormatException("unknown compression_type '" + compressionType
                    + "' (zlib or zstd)");
        };
    }
}
