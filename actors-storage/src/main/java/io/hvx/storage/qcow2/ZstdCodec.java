package io.hvx.storage.qcow2;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.hvx.storage.block.ImageFormatException;

/** qcow2 compression_type 1: one zstd frame per cluster, followed by sector padding the reader must ignore. */
final class ZstdCodec implements ClusterCodec {
    private static final int LEVEL = 3;

    private final ZstdDecompressCtx dctx = new ZstdDecompressCtx();
    private final ZstdCompressCtx cctx = new ZstdCompressCtx().setLevel(LEVEL);

    @Override
    public void decompress(byte[] in, int length, byte[] out, int clusterSize) throws ImageFormatException {
        try {
            // The stored length is rounded up to whole sectors; the frame itself says where it ends.
            long frame = Zstd.findFrameCompressedSize(in, 0, length);
            if (Zstd.isError(frame) || frame <= 0 || frame > length) {
                throw new ImageFormatException("corrupt zstd frame");
            }
            long content = Zstd.getFrameContentSize(in, 0, (int) frame);
            if (content > clusterSize) {
                throw new ImageFormatException("zstd frame decodes to more than a cluster");
            }
            int n = dctx.decompressByteArray(out, 0, clusterSize, in, 0, (int) frame);
            if (n < clusterSize) {
                throw new ImageFormatException("compressed data is truncated");
            }
        } catch (ZstdException e) {
            throw new ImageFormatException("corrupt zstd data: " + e.getMessage());
        }
    }

    @Override
    public int compress(byte[] in, int length, byte[] out) {
        try {
            int n = cctx.compressByteArray(out, 0, out.length, in, 0, length);
            return n < length ? n : -1;
        } catch (ZstdException e) {
            // Output would not fit: the cluster is stored uncompressed.
            return -1;
        }
    }

    @Override
    public int type() {
        return TYPE_ZSTD;
    }

    @Override
    public void close() {
        dctx.close();
        cctx.close();
    }
}
