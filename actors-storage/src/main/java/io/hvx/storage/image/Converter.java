package io.hvx.storage.image;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongConsumer;

/**
 * Copies a disk onto another, skipping holes and all-zero blocks so the target stays sparse.
 *
 * <p>Data is read into a reused direct buffer, not mapped: on the virtual machines hvx was measured on, the page
 * faults of a fresh mapping cost more than the copy a read makes (qcow2-&gt;raw used twice the CPU time mapped, see
 * docs/benchmarks.md). Targets that take writes in any order from several threads get the data ranges from several
 * workers at once, as qemu-img convert keeps several requests in flight.
 */
public final class Converter {
    private static final int CHUNK = 2 << 20;
    private static final long TASK = 16L << 20;
    private static final int ZERO_GRAIN = 64 << 10;
    private static final int WORKERS = 4;

    /**
     * Copies every byte of source into target, which must be freshly created (reading as zeros) and at least as
     * large; progress receives the number of bytes done so far.
     */
    public void copy(BlockDevice source, BlockDevice target, LongConsumer progress) throws IOException {
        if (target.acceptsParallelWrites()) {
            copyParallel(source, target, progress);
            return;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
        long size = source.size();
        long pos = 0;
        while (pos < size) {
            BlockDevice.Extent e = source.extentAt(pos);
            long len = Math.max(1, Math.min(e.length(), size - pos));
            long end = pos + len;
            while (pos < end) {
                long n = e.zero() ? len : Math.min(TASK, end - pos);
                if (!e.zero()) {
                    copyRange(source, target, pos, n, buffer);
                }
                pos += n;
                progress.accept(pos);
            }
        }
    }

    private void copyParallel(BlockDevice source, BlockDevice target, LongConsumer progress) throws IOException {
        BlockingQueue<ByteBuffer> buffers = new ArrayBlockingQueue<>(WORKERS);
        for (int i = 0; i < WORKERS; i++) {
            buffers.add(ByteBuffer.allocateDirect(CHUNK));
        }
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS,
                Thread.ofPlatform().name("hvx-convert-", 0).daemon().factory());
        ExecutorCompletionService<Long> finished = new ExecutorCompletionService<>(pool);
        int inFlight = 0;
        long done = 0;
        try {
            long size = source.size();
            long pos = 0;
            while (pos < size) {
                BlockDevice.Extent e = source.extentAt(pos);
                long len = Math.max(1, Math.min(e.length(), size - pos));
                if (e.zero()) {
                    pos += len;
                    done += len;
                    progress.accept(done);
                    continue;
                }
                for (long end = pos + len; pos < end; ) {
                    long at = pos;
                    long n = Math.min(TASK, end - pos);
                    if (inFlight == 2 * WORKERS) {
                        done += take(finished);
                        inFlight--;
                        progress.accept(done);
                    }
                    finished.submit(() -> {
                        ByteBuffer buffer = buffers.take();
                        try {
                            copyRange(source, target, at, n, buffer);
                        } finally {
                            buffers.add(buffer);
                        }
                        return n;
                    });
                    inFlight++;
                    pos += n;
                }
            }
            for (; inFlight > 0; inFlight--) {
                done += take(finished);
                progress.accept(done);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long take(ExecutorCompletionService<Long> finished) throws IOException {
        try {
            return finished.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("conversion interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        }
    }

    /** Copies the non-zero part of [pos, pos + len) of data the source stores. */
    private static void copyRange(BlockDevice source, BlockDevice target, long pos, long len, ByteBuffer buffer)
            throws IOException {
        MemorySegment bufferSegment = MemorySegment.ofBuffer(buffer.clear());
        long end = pos + len;
        while (pos < end) {
            int n = (int) Math.min(CHUNK, end - pos);
            BlockDevice.HostRun run = source.hostRun(pos, n);
            if (run != null) {
                // Bytes stored verbatim are read straight from the file: a positional read needs none of the
                // source's locks, so the workers' reads overlap (a qcow2 image reads under its lock).
                n = (int) run.length();
                buffer.clear().limit(n);
                FileIo.readOrZero(run.channel(), buffer, run.fileOffset());
            } else {
                buffer.clear().limit(n);
                source.read(buffer, pos);
            }
            writeNonZero(target, pos, bufferSegment, n);
            pos += n;
        }
    }

    /** Writes the non-zero grains of the first n bytes of data, batching adjacent ones into one write. */
    private static void writeNonZero(BlockDevice target, long offset, MemorySegment data, long n) throws IOException {
        long runStart = -1;
        for (long g = 0; g < n; g += ZERO_GRAIN) {
            long gEnd = Math.min(n, g + ZERO_GRAIN);
            boolean zero = RawImage.isZero(data, g, gEnd);
            if (!zero && runStart < 0) {
                runStart = g;
            } else if (zero && runStart >= 0) {
                target.write(data.asSlice(runStart, g - runStart).asByteBuffer(), offset + runStart);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            target.write(data.asSlice(runStart, n - runStart).asByteBuffer(), offset + runStart);
        }
    }
}
