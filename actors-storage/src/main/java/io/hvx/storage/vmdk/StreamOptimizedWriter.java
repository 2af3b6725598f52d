package io.hvx.storage.vmdk;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;

/**
 * Writes a streamOptimized VMDK: compressed grains with markers in guest order, then grain tables, the grain
 * directory and a footer. Writes must arrive in increasing offset order, as a converter produces them.
 */
public final class StreamOptimizedWriter implements BlockDevice {
    private static final int SECTOR = SparseHeader.SECTOR;
    private static final int GRAIN_SECTORS = 128;
    private static final int GRAIN = GRAIN_SECTORS * SECTOR;
    private static final int GTES = 512;
    private static final int DESCRIPTOR_SECTORS = 20;
    private static final long OVERHEAD_SECTORS = 128;
    private static final int TYPE_GT = 1;
    private static final int TYPE_GD = 2;
    private static final int TYPE_FOOTER = 3;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final int[] gte;
    /** Grains compressed together; compression is the cost of this format, so it runs on every core. */
    private static final int BATCH = 32;
    private static final int OUT_BYTES = GRAIN + GRAIN / 100 + 1024;
    private static final int PROBE = 4096;

    private final int workers = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
    private final Deflater[] deflaters = new Deflater[workers];
    /** Per worker: stores a grain in deflate's uncompressed blocks, for data that does not compress. */
    private final Deflater[] storers = new Deflater[workers];
    private final byte[][] probeOut = new byte[workers][PROBE + 64];
    private final ExecutorService pool;
    private final java.util.List<Callable<Void>> tasks = new java.util.ArrayList<>();
    private byte[] grainData = new byte[GRAIN];
    private final byte[][] batchData = new byte[BATCH][GRAIN];
    private final long[] batchGrain = new long[BATCH];
    private final int[] batchLen = new int[BATCH];
    private final byte[][] batchOut = new byte[BATCH][OUT_BYTES];
    private final int[] batchOutLen = new int[BATCH];
    private int batchCount;
    private long currentGrain = -1;
    private boolean grainDirty;
    private long nextSector = OVERHEAD_SECTORS;
    private boolean closed;

    private StreamOptimizedWriter(Path path, FileChannel channel, long size) throws ImageFormatException {
        this.path = path;
        this.channel = channel;
        this.size = size;
        long grains = (size + GRAIN - 1) / GRAIN;
        if (grains > Integer.MAX_VALUE / 2) {
            throw new ImageFormatException("image size " + size + " is too large for a streamOptimized VMDK");
        }
        gte = new int[(int) (((grains + GTES - 1) / GTES) * GTES)];
        for (int i = 0; i < workers; i++) {
            deflaters[i] = new Deflater(Deflater.BEST_SPEED);
            storers[i] = new Deflater(Deflater.NO_COMPRESSION);
            int worker = i;
            tasks.add(() -> {
                compressShare(worker);
                return null;
            });
        }
        pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "vmdk-deflate");
            t.setDaemon(true);
            return t;
        });
    }

    private void compressShare(int worker) {
        for (int i = worker; i < batchCount; i += workers) {
            Deflater d = compressible(worker, batchData[i], batchLen[i]) ? deflaters[worker] : storers[worker];
            d.reset();
            d.setInput(batchData[i], 0, batchLen[i]);
            d.finish();
            byte[] out = batchOut[i];
            int clen = 0;
            while (!d.finished()) {
                clen += d.deflate(out, 12 + clen, out.length - 12 - clen);
            }
            batchOutLen[i] = clen;
        }
    }

    /**
     * Deflates the grain's first 4 KiB as a sample; random or already compressed data (the bulk of real disks'
     * cost) is then stored rather than searched for matches, which is several times faster and barely larger.
     */
    private boolean compressible(int worker, byte[] data, int len) {
        Deflater probe = deflaters[worker];
        probe.reset();
        int n = Math.min(PROBE, len);
        probe.setInput(data, 0, n);
        probe.finish();
        byte[] out = probeOut[worker];
        int clen = 0;
        while (!probe.finished() && clen < out.length) {
            clen += probe.deflate(out, clen, out.length - clen);
        }
        return probe.finished() && clen < n - n / 32;
    }

    /** Compresses the queued grains in parallel, then appends them in guest order. */
    private void writeBatch() throws IOException {
        if (batchCount == 0) {
            return;
        }
        try {
            for (Future<Void> f : pool.invokeAll(tasks)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(path + ": interrupted while compressing");
        } catch (ExecutionException e) {
            throw new IOException(path + ": compression failed: " + e.getCause());
        }
        for (int i = 0; i < batchCount; i++) {
            byte[] out = batchOut[i];
            int clen = batchOutLen[i];
            ByteBuffer ob = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
            ob.putLong(0, batchGrain[i] * GRAIN_SECTORS).putInt(8, clen);
            int total = (12 + clen + SECTOR - 1) / SECTOR * SECTOR;
            java.util.Arrays.fill(out, 12 + clen, total, (byte) 0);
            writeFully(ob.limit(total), nextSector * SECTOR);
            gte[(int) batchGrain[i]] = (int) nextSector;
            nextSector += total / SECTOR;
        }
        batchCount = 0;
    }

    /** Creates the file; the size is rounded up to whole sectors as VMDK capacities are counted in sectors. */
    public static StreamOptimizedWriter create(Path path, long size) throws IOException {
        return create(path, size, path.getFileName().toString());
    }

    /** Creates the file at path; the embedded descriptor names the extent fileName, the name it will end up with. */
    public static StreamOptimizedWriter create(Path path, long size, String fileName) throws IOException {
        if (size < 0) {
            throw new ImageFormatException("invalid image size " + size);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW);
        StreamOptimizedWriter w = new StreamOptimizedWriter(path, ch, (size + SECTOR - 1) / SECTOR * SECTOR);
        w.writeHead(fileName);
        return w;
    }

    private void writeHead(String fileName) throws IOException {
        long capacity = size / SECTOR;
        ByteBuffer head = ByteBuffer.allocate((int) OVERHEAD_SECTORS * SECTOR);
        new SparseHeader(head).init(3, SparseHeader.FLAG_NEWLINE_TEST | SparseHeader.FLAG_COMPRESSED
                | SparseHeader.FLAG_MARKERS, capacity, GRAIN_SECTORS, 1, DESCRIPTOR_SECTORS, GTES,
                SparseHeader.GD_AT_END, OVERHEAD_SECTORS, SparseHeader.COMPRESS_DEFLATE);
        byte[] d = descriptor(capacity, fileName).getBytes(StandardCharsets.US_ASCII);
        head.put(SECTOR, d);
        writeFully(head.clear(), 0);
    }

    static String descriptor(long capacity, String fileName) {
        long cylinders = Math.min(capacity / (16 * 63), 16383);
        return "# Disk DescriptorFile\n"
                + "version=1\n"
                + "CID=" + String.format("%08x", (int) (System.nanoTime() & 0x7fffffff)) + "\n"
                + "parentCID=ffffffff\n"
                + "createType=\"streamOptimized\"\n\n"
                + "# Extent description\n"
                + "RW " + capacity + " SPARSE \"" + fileName.replace("\"", "") + "\"\n\n"
                + "# The Disk Data Base\n#DDB\n\n"
                + "ddb.virtualHWVersion = \"4\"\n"
                + "ddb.geometry.cylinders = \"" + cylinders + "\"\n"
                + "ddb.geometry.heads = \"16\"\n"
                + "ddb.geometry.sectors = \"63\"\n"
                + "ddb.adapterType = \"ide\"\n";
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            long g = offset / GRAIN;
            if (g != currentGrain) {
                if (g < currentGrain) {
                    throw new IOException(path + ": streamOptimized VMDK must be written in increasing order");
                }
                flushGrain();
                currentGrain = g;
            }
            int in = (int) (offset % GRAIN);
            int n = Math.min(buffer.remaining(), GRAIN - in);
            buffer.get(grainData, in, n);
            grainDirty = true;
            offset += n;
        }
    }

    private void flushGrain() throws IOException {
        if (currentGrain < 0 || !grainDirty) {
            return;
        }
        int len = (int) Math.min(GRAIN, size - currentGrain * GRAIN);
        if (!RawImage.isZero(ByteBuffer.wrap(grainData, 0, len))) {
            // Swap the filled grain into the batch; the batch slot's old array becomes the next grain buffer.
            byte[] full = grainData;
            grainData = batchData[batchCount];
            batchData[batchCount] = full;
            batchGrain[batchCount] = currentGrain;
            batchLen[batchCount] = len;
            batchCount++;
            if (batchCount == BATCH) {
                writeBatch();
            }
        }
        java.util.Arrays.fill(grainData, (byte) 0);
        grainDirty = false;
    }

    private void marker(long sectors, int type) throws IOException {
        ByteBuffer m = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        m.putLong(0, sectors).putInt(8, 0).putInt(12, type);
        writeFully(m, nextSector * SECTOR);
        nextSector++;
    }

    private void finish() throws IOException {
        flushGrain();
        writeBatch();
        int tables = gte.length / GTES;
        int[] gd = new int[tables];
        int gtSectors = GTES * 4 / SECTOR;
        for (int t = 0; t < tables; t++) {
            marker(gtSectors, TYPE_GT);
            ByteBuffer b = ByteBuffer.allocate(GTES * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(gte, t * GTES, GTES);
            gd[t] = (int) nextSector;
            writeFully(b, nextSector * SECTOR);
            nextSector += gtSectors;
        }
        int gdSectors = (tables * 4 + SECTOR - 1) / SECTOR;
        marker(gdSectors, TYPE_GD);
        long gdSector = nextSector;
        ByteBuffer gdb = ByteBuffer.allocate(gdSectors * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        gdb.asIntBuffer().put(gd);
        writeFully(gdb, nextSector * SECTOR);
        nextSector += gdSectors;
        marker(1, TYPE_FOOTER);
        ByteBuffer footer = ByteBuffer.allocate(SECTOR);
        new SparseHeader(footer).init(3, SparseHeader.FLAG_NEWLINE_TEST | SparseHeader.FLAG_COMPRESSED
                | SparseHeader.FLAG_MARKERS, size / SECTOR, GRAIN_SECTORS, 1, DESCRIPTOR_SECTORS, GTES, gdSector,
                OVERHEAD_SECTORS, SparseHeader.COMPRESS_DEFLATE);
        writeFully(footer, nextSector * SECTOR);
        nextSector++;
        // End-of-stream marker: one zero sector.
        writeFully(ByteBuffer.allocate(SECTOR), nextSector * SECTOR);
        nextSector++;
    }

    @Override
    public Extent extentAt(long offset) {
        return new Extent(size - offset, false);
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        throw new IOException(path + ": a streamOptimized VMDK being written cannot be read");
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) {
        // Unwritten grains are already holes.
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            finish();
        } finally {
            pool.shutdownNow();
            for (Deflater d : deflaters) {
                d.end();
            }
            for (Deflater d : storers) {
                d.end();
            }
            channel.close();
        }
    }

    private void writeFully(ByteBuffer b, long offset) throws IOException {
        while (b.hasRemaining()) {
            offset += channel.write(b, offset);
        }
    }
}
