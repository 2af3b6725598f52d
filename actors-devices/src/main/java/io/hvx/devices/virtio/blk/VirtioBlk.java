package io.hvx.devices.virtio.blk;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.ConfigSpace;
import io.hvx.devices.virtio.DescriptorChain;
import io.hvx.devices.virtio.GuestWindows;
import io.hvx.devices.virtio.QueueWorker;
import io.hvx.devices.virtio.RequestHandler;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.VirtioDevice;
import io.hvx.devices.virtio.VirtioSignals;
import io.hvx.devices.virtio.Virtqueue;
import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A virtio-blk disk over a {@link BlockDevice}: read, write, flush, discard, write-zeroes and get-id, on
 * {@code queues} request queues served by one I/O thread per disk. Guest buffers go straight to the backend
 * through views of guest RAM; nothing is allocated per request.
 */
public final class VirtioBlk implements VirtioDevice {
    public static final int DEVICE_ID = 2;

    static final long F_SIZE_MAX = 1L << 1;
    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_BLK_SIZE = 1L << 6;
    static final long F_FLUSH = 1L << 9;
    static final long F_MQ = 1L << 12;
    static final long F_DISCARD = 1L << 13;
    static final long F_WRITE_ZEROES = 1L << 14;

    /** Data buffers per request the driver may use: what fits one chain beside header and status. */
    static final int SEG_MAX = DescriptorChain.MAX_BUFFERS - 2;
    static final int SIZE_MAX = 1 << 20;
    static final long MAX_DISCARD_SECTORS = 1L << 22;
    static final int DISCARD_ALIGNMENT_SECTORS = 8;

    private final BlockDevice disk;
    private final int queueCount;
    private final VirtioCounters counters;
    private final ConfigSpace config = new ConfigSpace(60);
    private final DescriptorChain chain;
    private final GuestWindows windows;
    private final byte[] id = new byte[BlkRequest.ID_LENGTH];
    private final MemorySegment idSegment = MemorySegment.ofArray(id);
    private final QueueWorker worker;
    private final RequestHandler handler = this::serve;
    private volatile Virtqueue[] queues;
    private volatile VirtioSignals signals;

    /** A disk named {@code serial} (what GET_ID answers, at most 20 bytes) with {@code queues} request queues. */
    public VirtioBlk(BlockDevice disk, String serial, int queues, GuestRam ram, VirtioCounters counters) {
        if (queues < 1 || queues > 16) {
            throw new IllegalArgumentException("a virtio-blk disk has 1 to 16 queues, not " + queues);
        }
        this.disk = disk;
        this.queueCount = queues;
        this.counters = counters;
        this.chain = new DescriptorChain(ram.segment());
        this.windows = new GuestWindows(ram.segment());
        byte[] name = serial.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, id, 0, Math.min(name.length, id.length));
        config.put(0, 8, disk.size() >>> BlkRequest.SECTOR_SHIFT)
            .put(8, 4, SIZE_MAX)
            .put(12, 4, SEG_MAX)
            .put(20, 4, 512)
            .put(34, 2, queues)
            .put(36, 4, MAX_DISCARD_SECTORS)
            .put(40, 4, 1)
            .put(44, 4, DISCARD_ALIGNMENT_SECTORS)
            .put(48, 4, MAX_DISCARD_SECTORS)
            .put(52, 4, 1)
            .put(56, 1, 1);
        this.worker = new QueueWorker("virtio-blk-" + serial, this::process);
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        long features = F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE | F_FLUSH | (queueCount > 1 ? F_MQ : 0);
        return disk.readOnly() ? features | F_RO : features | F_DISCARD | F_WRITE_ZEROES;
    }

    @Override
    public int queueCount() {
        return queueCount;
    }

    @Override
    public ConfigSpace config() {
        return config;
    }

    @Override
    public void activate(Virtqueue[] queues, VirtioSignals signals) {
        this.queues = queues;
        this.signals = signals;
        worker.resume();
        for (int q = 0; q < queues.length; q++) {
            worker.wake(q); // requests may already wait
        }
    }

    @Override
    public void reset() {
        worker.pause();
    }

    @Override
    public void queueNotified(int queue) {
        worker.wake(queue);
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        worker.close();
        try {
            disk.close();
        } catch (IOException e) {
            counters.increment(VirtioCounter.REQUEST_ERRORS);
        }
    }

    private void process(int pendingQueues) {
        Virtqueue[] all = queues;
        for (int q = 0; q < all.length; q++) {
            if ((pendingQueues & (1 << q)) != 0) {
                RequestHandler.drain(all[q], chain, signals, handler);
            }
        }
    }

    /** Serves the request in {@code chain}; returns the bytes written into its writable buffers. */
    private int serve(DescriptorChain chain) {
        if (chain.readableBytes() < BlkRequest.HEADER_LENGTH || chain.writableBytes() < 1) {
            counters.increment(VirtioCounter.REQUEST_MALFORMED);
            return 0; // nowhere to put a status: the request is returned untouched
        }
        int type = (int) chain.readLittleEndian(BlkRequest.TYPE_OFFSET, 4);
        long sector = chain.readLittleEndian(BlkRequest.SECTOR_OFFSET, 8);
        long statusAt = chain.writableBytes() - 1;
        int written = 1;
        byte status;
        try {
            status = switch (type) {
                case BlkRequest.T_IN -> {
                    written = (int) chain.writableBytes();
                    yield transfer(sector, true);
                }
                case BlkRequest.T_OUT -> disk.readOnly() ? BlkRequest.S_IOERR : transfer(sector, false);
                case BlkRequest.T_FLUSH -> {
                    disk.flush();
                    yield BlkRequest.S_OK;
                }
                case BlkRequest.T_GET_ID -> {
                    written = (int) Math.min(statusAt, BlkRequest.ID_LENGTH) + 1;
                    chain.writeFrom(0, idSegment, 0, written - 1);
                    yield BlkRequest.S_OK;
                }
                case BlkRequest.T_DISCARD, BlkRequest.T_WRITE_ZEROES -> disk.readOnly() ? BlkRequest.S_IOERR : discard();
                default -> BlkRequest.S_UNSUPP;
            };
        } catch (IOException | RuntimeException e) {
            // a backend failure (or guest RAM gone while stopping) fails this request, never the device thread
            status = BlkRequest.S_IOERR;
        }
        if (status != BlkRequest.S_OK) {
            counters.increment(VirtioCounter.REQUEST_ERRORS);
        }
        chain.writeByte(statusAt, status);
        return written;
    }

    /** Moves the request's data between disk and guest; {@code toGuest} for reads. */
    private byte transfer(long sector, boolean toGuest) throws IOException {
        long length = toGuest ? chain.writableBytes() - 1 : chain.readableBytes() - BlkRequest.HEADER_LENGTH;
        long start = sector << BlkRequest.SECTOR_SHIFT;
        if (sector < 0 || (sector >>> (63 - BlkRequest.SECTOR_SHIFT)) != 0 || start + length > disk.size()) {
            return BlkRequest.S_IOERR;
        }
        long position = start;
        long left = length;
        long skip = toGuest ? 0 : BlkRequest.HEADER_LENGTH;
        int first = toGuest ? chain.readableBuffers() : 0;
        int end = toGuest ? chain.buffers() : chain.readableBuffers();
        for (int i = first; i < end && left > 0; i++) {
            long bufferLength = chain.length(i);
            if (skip >= bufferLength) {
                skip -= bufferLength;
                continue;
            }
            long offset = chain.offset(i) + skip;
            long n = Math.min(bufferLength - skip, left);
            skip = 0;
            long done = 0;
            while (done < n) {
                ByteBuffer view = windows.view(offset + done, n - done);
                int chunk = view.remaining();
                if (toGuest) {
                    disk.read(view, position);
                } else {
                    disk.write(view, position);
                }
                done += chunk;
                position += chunk;
            }
            left -= n;
        }
        counters.add(toGuest ? VirtioCounter.BYTES_TO_GUEST : VirtioCounter.BYTES_FROM_GUEST, length);
        return BlkRequest.S_OK;
    }

    private byte discard() throws IOException {
        long segments = (chain.readableBytes() - BlkRequest.HEADER_LENGTH) / BlkRequest.SEGMENT_LENGTH;
        if (segments == 0) {
            counters.increment(VirtioCounter.REQUEST_MALFORMED);
            return BlkRequest.S_IOERR;
        }
        for (long s = 0; s < segments; s++) {
            long at = BlkRequest.HEADER_LENGTH + s * BlkRequest.SEGMENT_LENGTH;
            long sector = chain.readLittleEndian(at, 8);
            long sectors = chain.readLittleEndian(at + 8, 4);
            long start = sector << BlkRequest.SECTOR_SHIFT;
            long length = sectors << BlkRequest.SECTOR_SHIFT;
            if (sector < 0 || (sector >>> (63 - BlkRequest.SECTOR_SHIFT)) != 0 || start + length > disk.size()) {
                return BlkRequest.S_IOERR;
            }
            // the backends read a discarded range back as zeros, so this serves write-zeroes too
            disk.discard(start, length);
        }
        return BlkRequest.S_OK;
    }
}
