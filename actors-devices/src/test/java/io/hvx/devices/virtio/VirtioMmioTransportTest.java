package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.irq.IrqLine;
import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.rng.VirtioRng;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The virtio-mmio transport driven register by register as a driver would, with the entropy device behind
 * it: identification, feature negotiation, queue setup, a request served with an interrupt, and the defined
 * outcome of a malformed ring (DEVICE_NEEDS_RESET, a configuration interrupt, counters) until reset.
 */
class VirtioMmioTransportTest {
    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final VirtioCounters counters = new VirtioCounters();
    private final boolean[] line = new boolean[1];
    private final IrqLine irq = asserted -> line[0] = asserted;
    private final VirtioMmio mmio = new VirtioMmio(new VirtioRng(ram, counters), irq, ram);
    private final TestRing ring = new TestRing(ram);
    private final TestDriver driver = new TestDriver(mmio);

    @AfterEach
    void close() {
        mmio.close();
        ram.close();
    }

    @Test
    void shouldIdentifyAsModernVirtioMmio() {
        assertEquals(VirtioMmio.MAGIC, reg(VirtioMmio.REG_MAGIC));
        assertEquals(2, reg(VirtioMmio.REG_VERSION));
        assertEquals(VirtioRng.DEVICE_ID, reg(VirtioMmio.REG_DEVICE_ID));
        write(VirtioMmio.REG_DEVICE_FEATURES_SEL, 1);
        assertEquals(1, reg(VirtioMmio.REG_DEVICE_FEATURES) & 1, "VIRTIO_F_VERSION_1 offered");
    }

    @Test
    void shouldRefuseFeaturesOkWithoutVersion1() {
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER
            | VirtioMmio.STATUS_FEATURES_OK);
        assertEquals(0, reg(VirtioMmio.REG_STATUS) & VirtioMmio.STATUS_FEATURES_OK);
        assertEquals(1, counters.get(VirtioCounter.TRANSPORT_FEATURES_REFUSED));
    }

    @Test
    void shouldServeRequestAndRaiseThenAcknowledgeInterrupt() {
        start();
        ring.descriptor(0, TestRing.BUFFERS, 64, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        write(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertEquals(1, ring.usedIndex());
        assertEquals(64, ring.usedLength(0));
        assertTrue(line[0], "interrupt line asserted");
        assertEquals(VirtioMmio.INTERRUPT_USED_BUFFER, reg(VirtioMmio.REG_INTERRUPT_STATUS));
        write(VirtioMmio.REG_INTERRUPT_ACK, VirtioMmio.INTERRUPT_USED_BUFFER);
        assertFalse(line[0], "interrupt line released after the acknowledgement");
    }

    @Test
    void shouldEnterNeedsResetOnMalformedChainAndRecoverAfterReset() {
        start();
        ring.descriptor(0, TestRing.BUFFERS, 64, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 0);
        ring.offer(0);
        write(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertEquals(0, ring.usedIndex(), "nothing was used");
        assertTrue((reg(VirtioMmio.REG_STATUS) & VirtioMmio.STATUS_NEEDS_RESET) != 0, "DEVICE_NEEDS_RESET");
        assertEquals(VirtioMmio.INTERRUPT_CONFIG_CHANGE, reg(VirtioMmio.REG_INTERRUPT_STATUS));
        assertTrue(line[0]);
        assertEquals(1, counters.get(VirtioCounter.DEVICE_NEEDS_RESET));
        assertEquals(1, counters.get(VirtioCounter.QUEUE_MALFORMED_CHAINS));

        write(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertEquals(1, counters.get(VirtioCounter.QUEUE_BAD_NOTIFY), "notifications wait for the reset");

        write(VirtioMmio.REG_STATUS, 0);
        assertEquals(0, reg(VirtioMmio.REG_STATUS));
        assertFalse(line[0], "reset releases the interrupt line");
        ram.write(TestRing.DRIVER_RING, new byte[4]);
        ram.write(TestRing.DEVICE_RING, new byte[4]);
        TestRing fresh = new TestRing(ram);
        start();
        fresh.descriptor(0, TestRing.BUFFERS, 32, Virtqueue.DESC_F_WRITE, 0);
        fresh.offer(0);
        write(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertEquals(1, fresh.usedIndex(), "the device works again after reset");
    }

    @Test
    void shouldAskForResetWhenRingsLieOutsideRam() {
        negotiate();
        write(VirtioMmio.REG_QUEUE_SEL, 0);
        write(VirtioMmio.REG_QUEUE_NUM, TestRing.SIZE);
        write(VirtioMmio.REG_QUEUE_DESC_LOW, 0);
        write(VirtioMmio.REG_QUEUE_DESC_HIGH, 0x100);
        write(VirtioMmio.REG_QUEUE_READY, 1);
        assertEquals(0, reg(VirtioMmio.REG_QUEUE_READY));
        assertTrue((reg(VirtioMmio.REG_STATUS) & VirtioMmio.STATUS_NEEDS_RESET) != 0);
    }

    @Test
    void shouldIgnoreAndCountBadRegisterAccesses() {
        mmio.write(VirtioMmio.REG_STATUS, 2, 0xff);
        assertEquals(0, reg(VirtioMmio.REG_STATUS), "a 16-bit status write is ignored");
        write(0x0e0, 1);
        write(VirtioMmio.REG_QUEUE_SEL, 7);
        write(VirtioMmio.REG_QUEUE_NUM, 8);
        write(VirtioMmio.REG_QUEUE_NOTIFY, 9);
        assertEquals(0, mmio.read(VirtioMmio.REG_CONFIG + 8, 4), "config beyond the device's space");
        assertEquals(4, counters.get(VirtioCounter.TRANSPORT_BAD_ACCESS));
        assertEquals(1, counters.get(VirtioCounter.QUEUE_BAD_NOTIFY));
    }

    private void negotiate() {
        driver.negotiate(0);
    }

    private void start() {
        driver.start(0);
    }

    private int reg(int offset) {
        return driver.reg(offset);
    }

    private void write(int offset, int value) {
        driver.write(offset, value);
    }
}
