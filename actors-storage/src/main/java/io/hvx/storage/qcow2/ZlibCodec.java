package io.hvx.storage.qcow2;

import io.hvx.storage.block.ImageFormatException;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** qcow2's default compression: a raw deflate stream (no zlib header), as qemu writes it with a 4 KiB window. */
final class ZlibCodec implements ClusterCodec {
    private final Inflater inflater = new Inflater(true);
    private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);

    @Override
    public void decompress(byte[] in, int length, byte[] out, int clusterSize) throws ImageFormatException {
        inflater.reset();
        inflater.setInput(in, 0, length);
        int done = 0;
        try {
            while (done < clusterSize) {
                int n = inflater.inflate(out, done, clusterSize - done);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                done += n;
            }
        } catch (DataFormatException e) {
            throw new ImageFormatException("corrupt deflate data: " + e.getMessage());
        }
        if (done < clusterSize) {
            throw new ImageFormatException("compressed data is truncated");
        }
    }

    @Override
    public int compress(byte[] in, int length, byte[] out) {
        deflater.reset();
        deflater.setInput(in, 0, length);
        deflater.finish();
        int n = 0;
        while (!deflater.finished() && n < out.length) {
            n += deflater.deflate(out, n, out.length - n);
        }
        return deflater.finished() && n < length ? n : -1;
    }

    @Override
    public int type() {
        return TYPE_ZLIB;
    }

    @Override
    public void close() {
        inflater.end();
        deflater.end();
    }
}
