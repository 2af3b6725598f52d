package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.Qcow2Image.COMPRESSED;
import static io.hvx.storage.qcow2.Qcow2Image.COPIED;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Reads and inflates compressed clusters, keeping the last one so reads in small pieces inflate it once. */
final class Decompressor implements AutoCloseable {
    private final ImageFile file;
    private final ClusterCodec codec;
    private final int clusterBits;
    private final int clusterSize;
    private final byte[] compressedIn;
    private final byte[] cluster;
    private long decompressedHost = -1;

    Decompressor(ImageFile file, ClusterCodec codec, int clusterBits) {
        this.file = file;
        this.codec = codec;
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.compressedIn = new byte[clusterSize + 1024];
        this.cluster = new byte[clusterSize];
    }

    ClusterCodec codec() {
        return codec;
    }

    /** Returns the guest bytes of the compressed cluster an L2 entry describes; valid until the next call. */
    byte[] cluster(long entry) throws IOException {
        int x = 62 - (clusterBits - 8);
        long host = entry & ((1L << x) - 1);
        if (host == decompressedHost) {
            return cluster;
        }
        long sectors = ((entry & ~(COPIED | COMPRESSED)) >>> x) + 1;
        int len = (int) Math.min(sectors * 512 - (host & 511), compressedIn.length);
        long fileSize = file.size();
        if (host >= fileSize) {
            throw new ImageFormatException(file.path() + ": compressed cluster at 0x" + Long.toHexString(host)
                    + " is past the end of the file");
        }
        len = (int) Math.min(len, fileSize - host);
        file.readFully(ByteBuffer.wrap(compressedIn, 0, len), host);
        try {
            codec.decompress(compressedIn, len, cluster, clusterSize);
        } catch (ImageFormatException e) {
            decompressedHost = -1;
            throw new ImageFormatException(file.path() + ": compressed cluster at 0x" + Long.toHexString(host) + ": "
                    + e.getMessage());
        }
        decompressedHost = host;
        return cluster;
    }

    /** Drops the kept cluster if it was stored at host, which is being reused. */
    void forget(long host) {
        if (host == decompressedHost) {
            decompressedHost = -1;
        }
    }

    @Override
    public void close() {
        codec.close();
    }
}
