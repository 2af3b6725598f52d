package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.memory.GuestRam;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The split-ring parser against rings built by hand in guest RAM: well-formed chains (direct and indirect)
 * are taken as written, and every kind of malformed input is refused, counted and leaves the queue broken.
 * No real driver writes these rings; that is the point.
 */
class VirtqueueMalformedInputTest {
    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final VirtioCounters counters = new VirtioCounters();
    private final TestRing ring = new TestRing(ram);
    private final Virtqueue queue = ring.install(new Virtqueue(ram, counters), false);
    private final DescriptorChain chain = new DescriptorChain(ram.segment());

    @AfterEach
    void close() {
        ram.close();
    }

    @Test
    void shouldTakeDirectChainWithReadableThenWritableBuffers() {
        ring.descriptor(3, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 5);
        ring.descriptor(5, TestRing.BUFFERS + 0x1000, 512, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 1);
        ring.descriptor(1, TestRing.BUFFERS + 0x2000, 1, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(3);
        assertEquals(Virtqueue.TAKEN, queue.pop(chain));
        assertEquals(3, chain.head());
        assertEquals(3, chain.buffers());
        assertEquals(1, chain.readableBuffers());
        assertEquals(16, chain.readableBytes());
        assertEquals(513, chain.writableBytes());
        assertEquals(TestRing.BUFFERS + 0x1000, chain.offset(1));
        assertEquals(Virtqueue.EMPTY, queue.pop(chain));
    }

    @Test
    void shouldFollowIndirectTable() {
        long table = TestRing.BUFFERS + 0x8000;
        ring.descriptorAt(table, 0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 2);
        ring.descriptorAt(table, 2, TestRing.BUFFERS + 0x1000, 4096, Virtqueue.DESC_F_WRITE, 0);
        ring.descriptor(0, table, 3 * 16, Virtqueue.DESC_F_INDIRECT, 0);
        ring.offer(0);
        assertEquals(Virtqueue.TAKEN, queue.pop(chain));
        assertEquals(2, chain.buffers());
        assertEquals(4096, chain.writableBytes());
    }

    @Test
    void shouldRefuseHeadIndexOutsideTheTableAndCountIt() {
        ring.offer(TestRing.SIZE);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseNextIndexOutsideTheTable() {
        ring.descriptor(0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 200);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseDescriptorLoop() {
        ring.descriptor(0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 1);
        ring.descriptor(1, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseBufferOutsideRam() {
        ring.descriptor(0, ram.size() - 8, 16, 0, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseBufferInTheMmioHole() {
        ring.descriptor(0, 0xd000_0000L, 4096, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseLengthWithTheTopBitSet() {
        ring.descriptor(0, TestRing.BUFFERS, 0x8000_0000, 0, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseReadableBufferAfterWritableOne() {
        ring.descriptor(0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 1);
        ring.descriptor(1, TestRing.BUFFERS + 16, 16, 0, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseIndirectTableInsideIndirectTable() {
        long table = TestRing.BUFFERS + 0x8000;
        ring.descriptorAt(table, 0, table, 16, Virtqueue.DESC_F_INDIRECT, 0);
        ring.descriptor(0, table, 16, Virtqueue.DESC_F_INDIRECT, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseIndirectTableOfPartialDescriptor() {
        ring.descriptor(0, TestRing.BUFFERS + 0x8000, 24, Virtqueue.DESC_F_INDIRECT, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseIndirectWithNextFlag() {
        ring.descriptor(0, TestRing.BUFFERS + 0x8000, 32, Virtqueue.DESC_F_INDIRECT | Virtqueue.DESC_F_NEXT, 1);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseLoopInsideIndirectTable() {
        long table = TestRing.BUFFERS + 0x8000;
        ring.descriptorAt(table, 0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 1);
        ring.descriptorAt(table, 1, TestRing.BUFFERS, 16, Virtqueue.DESC_F_NEXT, 0);
        ring.descriptor(0, table, 32, Virtqueue.DESC_F_INDIRECT, 0);
        ring.offer(0);
        assertMalformed(VirtioCounter.QUEUE_MALFORMED_CHAINS);
    }

    @Test
    void shouldRefuseAvailIndexRunningAheadOfTheRing() {
        ring.availIndex(TestRing.SIZE + 1);
        assertMalformed(VirtioCounter.QUEUE_BAD_AVAIL_INDEX);
    }

    @Test
    void shouldRefuseRingsOutsideRamWhenTheQueueIsEnabled() {
        Virtqueue other = new Virtqueue(ram, counters);
        other.setSize(TestRing.SIZE);
        other.setDescriptors(ram.size() - 64);
        other.setDriverRing(TestRing.DRIVER_RING);
        other.setDeviceRing(TestRing.DEVICE_RING);
        assertFalse(other.enable(false), "descriptor table past the end of RAM");
        other.setDescriptors(TestRing.DESCRIPTORS + 8);
        assertFalse(other.enable(false), "descriptor table not 16-byte aligned");
        assertFalse(other.setSize(3), "queue size that is not a power of two");
        assertFalse(other.setSize(Virtqueue.MAX_SIZE * 2), "queue size above the maximum");
    }

    @Test
    void shouldInterruptOnlyWhenTheDriverAsks() {
        ring.descriptor(0, TestRing.BUFFERS, 16, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        assertEquals(Virtqueue.TAKEN, queue.pop(chain));
        ring.availFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        queue.push(0, 16);
        assertEquals(1, ring.usedIndex());
        assertEquals(0, ring.usedId(0));
        assertEquals(16, ring.usedLength(0));
        assertFalse(queue.shouldInterrupt(), "NO_INTERRUPT set");
    }

    @Test
    void shouldInterruptWhenUsedIndexPassesUsedEvent() {
        Virtqueue withEvents = new TestRing(ram).install(new Virtqueue(ram, counters), true);
        for (int i = 0; i < 3; i++) {
            ring.descriptor(i, TestRing.BUFFERS, 16, Virtqueue.DESC_F_WRITE, 0);
            ring.offer(i);
        }
        ring.usedEvent(1); // interrupt once used index passes 1, i.e. reaches 2
        assertEquals(Virtqueue.TAKEN, withEvents.pop(chain));
        withEvents.push(chain.head(), 0);
        assertFalse(withEvents.shouldInterrupt(), "used index 1 has not passed used_event 1");
        assertEquals(Virtqueue.TAKEN, withEvents.pop(chain));
        withEvents.push(chain.head(), 0);
        assertTrue(withEvents.shouldInterrupt(), "used index 2 passed used_event 1");
        assertFalse(withEvents.shouldInterrupt(), "nothing new since");
    }

    private void assertMalformed(VirtioCounter counter) {
        assertEquals(Virtqueue.MALFORMED, queue.pop(chain));
        assertEquals(1, counters.get(counter), counter.name());
        assertFalse(queue.ready(), "a broken queue is not used again before reset");
        assertEquals(Virtqueue.EMPTY, queue.pop(chain));
        queue.reset();
        assertFalse(queue.state().broken(), "reset repairs it");
    }
}
