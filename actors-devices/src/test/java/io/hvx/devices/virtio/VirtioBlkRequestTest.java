package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.devices.irq.IrqLine;
import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-blk requests built by hand on a raw file: a write and read back, and the defined outcome of each
 * request a driver should not send (out of range, too short, a write to a read-only disk, an unknown type).
 * The guest's own driver is the peer in the VM test; these are the inputs it never produces.
 */
class VirtioBlkRequestTest {
    private static final long HEADER = TestRing.BUFFERS;
    private static final long DATA = TestRing.BUFFERS + 0x1000;
    private static final long STATUS = TestRing.BUFFERS + 0x3000;
    private static final long DISK = 1 << 20;
    private static final IrqLine NO_IRQ = asserted -> { };

    @TempDir
    Path dir;

    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final VirtioCounters counters = new VirtioCounters();
    private final TestRing ring = new TestRing(ram);
    private VirtioMmio mmio;

    @AfterEach
    void close() {
        if (mmio != null) {
            mmio.close();
        }
        ram.close();
    }

    @Test
    void shouldWriteThenReadBackThroughTheFile() throws Exception {
        start(false);
        byte[] pattern = new byte[1024];
        Arrays.fill(pattern, (byte) 0x5a);
        ram.write(DATA, pattern);
        assertEquals(0, request(0, 1, 4, 1024, false));
        ram.write(DATA, new byte[1024]);
        assertEquals(0, request(1, 0, 4, 1024, true));
        assertArrayEquals(pattern, ram.read(DATA, 1024));
        assertEquals(1024, counters.get(VirtioCounter.BYTES_FROM_GUEST));
        assertEquals(1024, counters.get(VirtioCounter.BYTES_TO_GUEST));
    }

    @Test
    void shouldFailReadPastTheEndOfTheDiskWithIoError() throws Exception {
        start(false);
        assertEquals(1, request(0, 0, DISK / 512 - 1, 1024, true));
        assertEquals(1, counters.get(VirtioCounter.REQUEST_ERRORS));
    }

    @Test
    void shouldFailWriteToReadOnlyDiskWithIoError() throws Exception {
        start(true);
        assertEquals(1, request(0, 1, 0, 512, false));
        assertEquals(0, counters.get(VirtioCounter.BYTES_FROM_GUEST));
    }

    @Test
    void shouldAnswerUnknownTypeWithUnsupported() throws Exception {
        start(false);
        assertEquals(2, request(0, 99, 0, 512, true));
    }

    @Test
    void shouldReturnRequestWithoutStatusByteUntouchedAndCountIt() throws Exception {
        start(false);
        putHeader(0, 0);
        ring.descriptor(0, HEADER, 16, 0, 0);
        ring.offer(0);
        notifyAndWait(1);
        assertEquals(0, ring.usedLength(0));
        assertEquals(1, counters.get(VirtioCounter.REQUEST_MALFORMED));
    }

    private void start(boolean readOnly) throws IOException {
        Path file = dir.resolve("disk.raw");
        RawImage.create(file, DISK).close();
        mmio = new VirtioMmio(new VirtioBlk(RawImage.open(file, readOnly), "test", 1, ram, counters), NO_IRQ, ram);
        new TestDriver(mmio).start(0);
    }

    /** Sends one request (header, data, status in three descriptors) and returns its status byte. */
    private int request(int index, int type, long sector, int length, boolean toGuest) throws InterruptedException {
        putHeader(type, sector);
        ram.write(STATUS, new byte[] {(byte) 0xff});
        ring.descriptor(0, HEADER, 16, Virtqueue.DESC_F_NEXT, 1);
        ring.descriptor(1, DATA, length, Virtqueue.DESC_F_NEXT | (toGuest ? Virtqueue.DESC_F_WRITE : 0), 2);
        ring.descriptor(2, STATUS, 1, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        notifyAndWait(index + 1);
        return ram.read(STATUS, 1)[0];
    }

    private void putHeader(int type, long sector) {
        ram.putInt(HEADER, type);
        ram.putInt(HEADER + 4, 0);
        ram.putLong(HEADER + 8, sector);
    }

    private void notifyAndWait(int usedIndex) throws InterruptedException {
        mmio.write(VirtioMmio.REG_QUEUE_NOTIFY, 4, 0);
        long end = System.nanoTime() + 10_000_000_000L;
        while (ring.usedIndex() < usedIndex && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertEquals(usedIndex, ring.usedIndex(), "requests the device's thread completed");
    }
}
