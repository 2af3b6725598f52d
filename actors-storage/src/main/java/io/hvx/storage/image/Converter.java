package io.hvx.storage.image;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.LongConsumer;

/** Copies a disk onto another, skipping holes and all-zero blocks so the target stays sparse. */
public final class Converter {
    private static final int CHUNK = 2 << 20;
    private static final int ZERO_GRAIN = 64 << 10;

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);

    /**
     * Copies every byte of source into target, which must be freshly created (reading as zeros) and at least as
     * large; progress receives the number of bytes done so far.
     */
    public void copy(BlockDevice source, BlockDevice target, LongConsumer progress) throws IOException {
        long size = source.size();
        long pos = 0;
        while (pos < size) {
            BlockDevice.Extent e = source.extentAt(pos);
            long len = Math.max(1, Math.min(e.length(), size - pos));
            if (e.zero()) {
                pos += len;
                progress.accept(pos);
                continue;
            }
            long end = pos + len;
            while (pos < end) {
                int n = (int) Math.min(CHUNK, end - pos);
                buffer.clear().limit(n);
                source.read(buffer, pos);
                writeNonZero(target, pos, n);
                pos += n;
                progress.accept(pos);
            }
        }
    }

    /** Writes the non-zero grains of the first n bytes of the buffer, batching adjacent ones into one write. */
    private void writeNonZero(BlockDevice target, long offset, int n) throws IOException {
        int runStart = -1;
        for (int g = 0; g < n; g += ZERO_GRAIN) {
            int gEnd = Math.min(n, g + ZERO_GRAIN);
            buffer.limit(gEnd).position(g);
            boolean zero = RawImage.isZero(buffer);
            if (!zero && runStart < 0) {
                runStart = g;
            } else if (zero && runStart >= 0) {
                flushRun(target, offset, runStart, g);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            flushRun(target, offset, runStart, n);
        }
    }

    private void flushRun(BlockDevice target, long offset, int from, int to) throws IOException {
        buffer.limit(to).position(from);
        target.write(buffer, offset + from);
    }
}
