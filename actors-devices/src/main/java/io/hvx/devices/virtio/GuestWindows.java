package io.hvx.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * ByteBuffer views of the guest RAM segment in 1 GiB windows, so that a device thread can hand guest
 * buffers to channel I/O without allocating: it moves a window's position and limit instead of making a
 * new view per request. One instance per thread (the windows' positions are that thread's state).
 */
public final class GuestWindows {
    static final int WINDOW_SHIFT = 30;
    static final long WINDOW = 1L << WINDOW_SHIFT;

    private final ByteBuffer[] windows;

    public GuestWindows(MemorySegment ram) {
        int count = (int) ((ram.byteSize() + WINDOW - 1) >>> WINDOW_SHIFT);
        windows = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            long start = (long) i << WINDOW_SHIFT;
            windows[i] = ram.asSlice(start, Math.min(WINDOW, ram.byteSize() - start)).asByteBuffer();
        }
    }

    /**
     * The view of {@code [offset, offset + n)} where {@code n} is {@code length} or less when the range
     * crosses into the next window (the caller goes on from {@code offset + remaining()}).
     */
    public ByteBuffer view(long offset, long length) {
        ByteBuffer window = windows[(int) (offset >>> WINDOW_SHIFT)];
        int start = (int) (offset & (WINDOW - 1));
        int n = (int) Math.min(length, window.capacity() - start);
        window.clear();
        window.position(start);
        window.limit(start + n);
        return window;
    }
}
