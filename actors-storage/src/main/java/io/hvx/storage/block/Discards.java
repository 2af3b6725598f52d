package io.hvx.storage.block;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Discard for formats that cannot give space back: the allocated blocks of the range are overwritten with zeros and
 * holes are left alone, so the range reads as zeros afterwards.
 */
public final class Discards {
    /** Zeros go out in pieces of at most this many bytes, whatever the format's block size. */
    private static final int MAX_PIECE = 1 << 20;

    private Discards() {}

    /** Says whether the block holding a guest offset is allocated in the image. */
    public interface Allocated {
        boolean at(long offset) throws IOException;
    }

    /** Overwrites with zeros every allocated block of [offset, offset + length); blockSize is the format's unit. */
    public static void zeroAllocated(BlockDevice device, long offset, long length, long blockSize,
            Allocated allocated) throws IOException {
        BlockDevice.checkRange(device, offset, length);
        long end = offset + length;
        while (offset < end) {
            int n = (int) Math.min(end - offset, Math.min(blockSize - offset % blockSize, MAX_PIECE));
            if (allocated.at(offset)) {
                device.write(ByteBuffer.allocate(n), offset);
            }
            offset += n;
        }
    }
}
