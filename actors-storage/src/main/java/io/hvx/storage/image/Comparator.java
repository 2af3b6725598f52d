package io.hvx.storage.image;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Compares the guest-visible content of two disks the way qemu-img compare does. */
public final class Comparator {
    private static final int CHUNK = 1 << 20;

    /** The result: the offset of the first differing byte, or -1 when the contents are equal. */
    public record Result(long firstDifference, boolean sizeMismatch) {
        public boolean identical() {
            return firstDifference < 0;
        }
    }

    private final ByteBuffer a = ByteBuffer.allocateDirect(CHUNK);
    private final ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);

    /** In non-strict mode the longer disk's extra bytes must be zero, as in qemu-img. */
    public Result compare(BlockDevice left, BlockDevice right, boolean strictSize) throws IOException {
        boolean mismatch = left.size() != right.size();
        if (mismatch && strictSize) {
            return new Result(Math.min(left.size(), right.size()), true);
        }
        long common = Math.min(left.size(), right.size());
        long pos = 0;
        while (pos < common) {
            BlockDevice.Extent ea = left.extentAt(pos);
            BlockDevice.Extent eb = right.extentAt(pos);
            if (ea.zero() && eb.zero()) {
                pos += Math.max(1, Math.min(Math.min(ea.length(), eb.length()), common - pos));
                continue;
            }
            int n = (int) Math.min(CHUNK, common - pos);
            a.clear().limit(n);
            b.clear().limit(n);
            left.read(a, pos);
            right.read(b, pos);
            a.flip();
            b.flip();
            int m = a.mismatch(b);
            if (m >= 0) {
                return new Result(pos + m, mismatch);
            }
            pos += n;
        }
        BlockDevice longer = left.size() > right.size() ? left : right;
        while (pos < longer.size()) {
            int n = (int) Math.min(CHUNK, longer.size() - pos);
            a.clear().limit(n);
            longer.read(a, pos);
            a.flip();
            for (int i = 0; i < n; i++) {
                if (a.get(i) != 0) {
                    return new Result(pos + i, mismatch);
                }
            }
            pos += n;
        }
        return new Result(-1, mismatch);
    }
}
