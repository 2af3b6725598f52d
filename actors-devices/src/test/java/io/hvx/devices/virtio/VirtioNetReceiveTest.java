package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.net.VirtioNet;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The switch-to-guest path of virtio-net against receive buffers posted by hand: a frame the guest has no
 * buffer for is a counted drop that leaves later buffers usable, and with mergeable buffers a frame larger than
 * one buffer spans several, with num_buffers in the header.
 */
class VirtioNetReceiveTest {
    private static final long MRG_RXBUF = 1L << 15;
    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final VirtioCounters counters = new VirtioCounters();
    private final VirtioNet nic = new VirtioNet(0x0268_7678_1002L, false, ram, counters);
    private final VirtioMmio mmio = new VirtioMmio(nic, asserted -> { }, ram);
    private final TestRing ring = new TestRing(ram);

    @AfterEach
    void close() {
        mmio.close();
        ram.close();
    }

    @Test
    void shouldCountFrameDroppedForWantOfBuffersAndDeliverTheNextOne() {
        new TestDriver(mmio).start(MRG_RXBUF);
        byte[] frame = frame(60);
        assertTrue(nic.transmit(1, new UnsafeBuffer(frame), 0, frame.length));
        assertEquals(1, counters.get(VirtioCounter.NET_RX_NO_BUFFER));

        ring.descriptor(0, TestRing.BUFFERS, 2048, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        assertTrue(nic.transmit(1, new UnsafeBuffer(frame), 0, frame.length));
        assertEquals(1, ring.usedIndex());
        assertEquals(12 + frame.length, ring.usedLength(0));
        assertArrayEquals(frame, ram.read(TestRing.BUFFERS + 12, frame.length));
        assertEquals(1, ram.read(TestRing.BUFFERS + 10, 1)[0], "num_buffers");
    }

    @Test
    void shouldSpreadLargeFrameOverMergeableBuffers() {
        new TestDriver(mmio).start(MRG_RXBUF);
        for (int i = 0; i < 3; i++) {
            ring.descriptor(i, TestRing.BUFFERS + 0x1000L * i, 1024, Virtqueue.DESC_F_WRITE, 0);
            ring.offer(i);
        }
        byte[] frame = frame(1500);
        assertTrue(nic.transmit(1, new UnsafeBuffer(frame), 0, frame.length));
        assertEquals(2, ring.usedIndex(), "two buffers used");
        assertEquals(1024, ring.usedLength(0));
        assertEquals(12 + 1500 - 1024, ring.usedLength(1));
        assertEquals(2, ram.read(TestRing.BUFFERS + 10, 1)[0], "num_buffers");
        assertArrayEquals(java.util.Arrays.copyOfRange(frame, 1012, 1500), ram.read(TestRing.BUFFERS + 0x1000, 488));
    }

    @Test
    void shouldGiveBackBuffersWhenTheFrameDoesNotFitThem() {
        new TestDriver(mmio).start(MRG_RXBUF);
        ring.descriptor(0, TestRing.BUFFERS, 256, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        byte[] big = frame(1500);
        assertTrue(nic.transmit(1, new UnsafeBuffer(big), 0, big.length));
        assertEquals(0, ring.usedIndex(), "nothing used for the frame that did not fit");
        assertEquals(1, counters.get(VirtioCounter.NET_RX_NO_BUFFER));
        byte[] small = frame(100);
        assertTrue(nic.transmit(1, new UnsafeBuffer(small), 0, small.length));
        assertEquals(1, ring.usedIndex(), "the buffer served the next frame");
    }

    @Test
    void shouldRefuseGsoFrameWhenSegmentationWasNotOffered() {
        new TestDriver(mmio).start(MRG_RXBUF);
        byte[] frame = frame(100);
        long tcpv4 = 1L | 1L << 8 | 1448L << 16;
        assertEquals(false, nic.transmitOffloaded(1, new UnsafeBuffer(frame), 0, frame.length, tcpv4));
    }

    private static byte[] frame(int length) {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) {
            frame[i] = (byte) (i * 7);
        }
        return frame;
    }
}
