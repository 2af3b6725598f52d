package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives a {@link VirtioMmio} register by register as a guest driver would, with {@link TestRing}'s rings. */
final class TestDriver {
    private final VirtioMmio mmio;

    TestDriver(VirtioMmio mmio) {
        this.mmio = mmio;
    }

    /** ACKNOWLEDGE, DRIVER, VERSION_1 plus {@code features}, FEATURES_OK. */
    void negotiate(long features) {
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        long all = features | VirtioMmio.F_VERSION_1;
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        write(VirtioMmio.REG_DRIVER_FEATURES, (int) all);
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        write(VirtioMmio.REG_DRIVER_FEATURES, (int) (all >>> 32));
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER
            | VirtioMmio.STATUS_FEATURES_OK);
        assertTrue((reg(VirtioMmio.REG_STATUS) & VirtioMmio.STATUS_FEATURES_OK) != 0, "FEATURES_OK accepted");
    }

    /** Negotiates, sets queue 0 up on the test ring and sets DRIVER_OK. */
    void start(long features) {
        negotiate(features);
        write(VirtioMmio.REG_QUEUE_SEL, 0);
        assertEquals(Virtqueue.MAX_SIZE, reg(VirtioMmio.REG_QUEUE_NUM_MAX));
        write(VirtioMmio.REG_QUEUE_NUM, TestRing.SIZE);
        write(VirtioMmio.REG_QUEUE_DESC_LOW, (int) TestRing.DESCRIPTORS);
        write(VirtioMmio.REG_QUEUE_DRIVER_LOW, (int) TestRing.DRIVER_RING);
        write(VirtioMmio.REG_QUEUE_DEVICE_LOW, (int) TestRing.DEVICE_RING);
        write(VirtioMmio.REG_QUEUE_READY, 1);
        assertEquals(1, reg(VirtioMmio.REG_QUEUE_READY));
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER
            | VirtioMmio.STATUS_FEATURES_OK | VirtioMmio.STATUS_DRIVER_OK);
    }

    int reg(int offset) {
        return (int) mmio.read(offset, 4);
    }

    void write(int offset, int value) {
        mmio.write(offset, 4, value & 0xffffffffL);
    }
}
