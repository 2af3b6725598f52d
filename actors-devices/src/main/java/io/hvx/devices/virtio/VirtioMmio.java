package io.hvx.devices.virtio;

import io.hvx.devices.bus.MmioDevice;
import io.hvx.devices.irq.IrqLine;
import io.hvx.devices.memory.GuestRam;
import java.util.ArrayList;
import java.util.List;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x section 4.2.2, modern devices only): the register
 * window of one slot, feature negotiation, device status, queue setup, notifications and the slot's
 * level-triggered interrupt line, which is asserted while InterruptStatus is non-zero.
 *
 * <p>Register accesses come from vCPU threads and are serialised by this object's monitor; the interrupt
 * state has a lock of its own because device threads raise interrupts while a vCPU may hold the monitor.
 * Accesses the spec does not allow (bad width, queue registers of a ready queue, writes to read-only
 * registers) are ignored and counted.
 */
public final class VirtioMmio implements MmioDevice, VirtioSignals, AutoCloseable {
    static final int MAGIC = 0x74726976; // "virt"
    static final int VERSION = 2;
    static final int VENDOR = 0x00487678; // "hvx"

    static final int REG_MAGIC = 0x000;
    static final int REG_VERSION = 0x004;
    static final int REG_DEVICE_ID = 0x008;
    static final int REG_VENDOR_ID = 0x00c;
    static final int REG_DEVICE_FEATURES = 0x010;
    static final int REG_DEVICE_FEATURES_SEL = 0x014;
    static final int REG_DRIVER_FEATURES = 0x020;
    static final int REG_DRIVER_FEATURES_SEL = 0x024;
    static final int REG_QUEUE_SEL = 0x030;
    static final int REG_QUEUE_NUM_MAX = 0x034;
    static final int REG_QUEUE_NUM = 0x038;
    static final int REG_QUEUE_READY = 0x044;
    static final int REG_QUEUE_NOTIFY = 0x050;
    static final int REG_INTERRUPT_STATUS = 0x060;
    static final int REG_INTERRUPT_ACK = 0x064;
    static final int REG_STATUS = 0x070;
    static final int REG_QUEUE_DESC_LOW = 0x080;
    static final int REG_QUEUE_DESC_HIGH = 0x084;
    static final int REG_QUEUE_DRIVER_LOW = 0x090;
    static final int REG_QUEUE_DRIVER_HIGH = 0x094;
    static final int REG_QUEUE_DEVICE_LOW = 0x0a0;
    static final int REG_QUEUE_DEVICE_HIGH = 0x0a4;
    static final int REG_SHM_SEL = 0x0ac;
    static final int REG_SHM_LEN_LOW = 0x0b0;
    static final int REG_SHM_LEN_HIGH = 0x0b4;
    static final int REG_SHM_BASE_LOW = 0x0b8;
    static final int REG_SHM_BASE_HIGH = 0x0bc;
    static final int REG_QUEUE_RESET = 0x0c0;
    static final int REG_CONFIG_GENERATION = 0x0fc;
    static final int REG_CONFIG = 0x100;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 64;
    public static final int STATUS_FAILED = 128;

    public static final int INTERRUPT_USED_BUFFER = 1;
    public static final int INTERRUPT_CONFIG_CHANGE = 2;

    public static final long F_INDIRECT_DESC = 1L << 28;
    public static final long F_EVENT_IDX = 1L << 29;
    public static final long F_VERSION_1 = 1L << 32;

    private final VirtioDevice device;
    private final IrqLine irq;
    private final VirtioCounters counters;
    private final Virtqueue[] queues;
    private final long offered;
    private final Object interruptLock = new Object();

    private int status;
    private long driverFeatures;
    private int deviceFeaturesSelect;
    private int driverFeaturesSelect;
    private int queueSelect;
    private volatile int configGeneration;
    private int interruptStatus; // guarded by interruptLock

    public VirtioMmio(VirtioDevice device, IrqLine irq, GuestRam ram) {
        this.device = device;
        this.irq = irq;
        this.counters = device.counters();
        this.queues = new Virtqueue[device.queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new Virtqueue(ram, counters);
        }
        this.offered = device.features() | F_VERSION_1 | F_INDIRECT_DESC | F_EVENT_IDX;
    }

    public VirtioDevice device() {
        return device;
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= REG_CONFIG) {
            return readConfig((int) (offset - REG_CONFIG), size);
        }
        if (size != 4 || (offset & 3) != 0) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return 0;
        }
        Virtqueue queue = selectedQueue();
        return switch ((int) offset) {
            case REG_MAGIC -> MAGIC;
            case REG_VERSION -> VERSION;
            case REG_DEVICE_ID -> device.deviceId();
            case REG_VENDOR_ID -> VENDOR;
            case REG_DEVICE_FEATURES -> deviceFeaturesSelect > 1 ? 0 : (offered >>> (32 * deviceFeaturesSelect)) & 0xffffffffL;
            case REG_QUEUE_NUM_MAX -> queue == null ? 0 : Virtqueue.MAX_SIZE;
            case REG_QUEUE_READY -> queue != null && queue.enabled() ? 1 : 0;
            case REG_INTERRUPT_STATUS -> interruptStatus();
            case REG_STATUS -> status;
            // no shared memory regions: length -1 says so
            case REG_SHM_LEN_LOW, REG_SHM_LEN_HIGH, REG_SHM_BASE_LOW, REG_SHM_BASE_HIGH -> 0xffffffffL;
            case REG_QUEUE_RESET -> 0;
            case REG_CONFIG_GENERATION -> configGeneration;
            default -> {
                counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
                yield 0;
            }
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset >= REG_CONFIG) {
            writeConfig((int) (offset - REG_CONFIG), size, value);
            return;
        }
        if (size != 4 || (offset & 3) != 0) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case REG_DEVICE_FEATURES_SEL -> deviceFeaturesSelect = v;
            case REG_DRIVER_FEATURES -> writeDriverFeatures(v);
            case REG_DRIVER_FEATURES_SEL -> driverFeaturesSelect = v;
            case REG_QUEUE_SEL -> queueSelect = v;
            case REG_QUEUE_NUM -> {
                Virtqueue queue = configurableQueue();
                if (queue != null && !queue.setSize(v)) {
                    counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
                }
            }
            case REG_QUEUE_READY -> writeQueueReady(v);
            case REG_QUEUE_NOTIFY -> notifyQueue(v & 0xffff);
            case REG_INTERRUPT_ACK -> acknowledge(v);
            case REG_STATUS -> writeStatus(v & 0xff);
            case REG_QUEUE_DESC_LOW, REG_QUEUE_DESC_HIGH, REG_QUEUE_DRIVER_LOW, REG_QUEUE_DRIVER_HIGH,
                 REG_QUEUE_DEVICE_LOW, REG_QUEUE_DEVICE_HIGH -> writeQueueAddress((int) offset, v);
            case REG_SHM_SEL -> { }
            case REG_QUEUE_RESET -> {
                Virtqueue queue = selectedQueue();
                if (v == 1 && queue != null) {
                    queue.reset();
                }
            }
            default -> counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
        }
    }

    @Override
    public void usedBuffers(Virtqueue queue) {
        if (queue.shouldInterrupt()) {
            counters.increment(VirtioCounter.INTERRUPTS);
            raise(INTERRUPT_USED_BUFFER);
        }
    }

    @Override
    public void needsReset() {
        counters.increment(VirtioCounter.DEVICE_NEEDS_RESET);
        synchronized (interruptLock) {
            status |= STATUS_NEEDS_RESET;
        }
        if ((status & STATUS_DRIVER_OK) != 0) {
            raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    @Override
    public void configChanged() {
        configGeneration++;
        raise(INTERRUPT_CONFIG_CHANGE);
    }

    /** Negotiation, status, interrupt and queue state, for snapshots and diagnostics. */
    public synchronized TransportState state() {
        List<QueueState> saved = new ArrayList<>(queues.length);
        for (Virtqueue queue : queues) {
            saved.add(queue.state());
        }
        return new TransportState(status, driverFeatures, deviceFeaturesSelect, driverFeaturesSelect, queueSelect,
            interruptStatus(), configGeneration, List.copyOf(saved));
    }

    @Override
    public void close() {
        device.close();
    }

    private long readConfig(int offset, int size) {
        ConfigSpace config = device.config();
        if (offset + size > config.size()) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return 0;
        }
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (long) config.read(offset + i) << (8 * i);
        }
        return value;
    }

    private void writeConfig(int offset, int size, long value) {
        if (offset + size > device.config().size()) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return;
        }
        for (int i = 0; i < size; i++) {
            device.writeConfig(offset + i, (int) (value >>> (8 * i)) & 0xff);
        }
    }

    private void writeDriverFeatures(int v) {
        if ((status & STATUS_FEATURES_OK) != 0 || driverFeaturesSelect > 1) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return;
        }
        int shift = 32 * driverFeaturesSelect;
        driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | ((v & 0xffffffffL) << shift);
    }

    private void writeStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        int added = v & ~status;
        if ((added & STATUS_FEATURES_OK) != 0) {
            // a driver that asks for what we did not offer, or for legacy, keeps FEATURES_OK clear and gives up
            if ((driverFeatures & ~offered) != 0 || (driverFeatures & F_VERSION_1) == 0
                    || !device.acceptFeatures(driverFeatures)) {
                counters.increment(VirtioCounter.TRANSPORT_FEATURES_REFUSED);
                v &= ~STATUS_FEATURES_OK;
            } else {
                for (Virtqueue queue : queues) {
                    queue.eventIndex((driverFeatures & F_EVENT_IDX) != 0);
                }
            }
        }
        synchronized (interruptLock) {
            status = v | (status & STATUS_NEEDS_RESET);
        }
        if ((added & STATUS_DRIVER_OK) != 0 && (status & STATUS_FEATURES_OK) != 0) {
            device.activate(queues, this);
        }
    }

    private void reset() {
        device.reset();
        for (Virtqueue queue : queues) {
            queue.reset();
        }
        synchronized (interruptLock) {
            status = 0;
            interruptStatus = 0;
            irq.set(false);
        }
        driverFeatures = 0;
        deviceFeaturesSelect = 0;
        driverFeaturesSelect = 0;
        queueSelect = 0;
    }

    private void writeQueueReady(int v) {
        Virtqueue queue = selectedQueue();
        if (queue == null) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return;
        }
        if (v == 0) {
            queue.disable();
        } else if (!queue.enabled() && !queue.enable((driverFeatures & F_EVENT_IDX) != 0)) {
            counters.increment(VirtioCounter.QUEUE_MALFORMED_CHAINS);
            needsReset();
        }
    }

    private void writeQueueAddress(int register, int v) {
        Virtqueue queue = configurableQueue();
        if (queue == null) {
            return;
        }
        QueueState now = queue.state();
        long low = v & 0xffffffffL;
        long high = low << 32;
        switch (register) {
            case REG_QUEUE_DESC_LOW -> queue.setDescriptors((now.descriptors() & ~0xffffffffL) | low);
            case REG_QUEUE_DESC_HIGH -> queue.setDescriptors((now.descriptors() & 0xffffffffL) | high);
            case REG_QUEUE_DRIVER_LOW -> queue.setDriverRing((now.driverRing() & ~0xffffffffL) | low);
            case REG_QUEUE_DRIVER_HIGH -> queue.setDriverRing((now.driverRing() & 0xffffffffL) | high);
            case REG_QUEUE_DEVICE_LOW -> queue.setDeviceRing((now.deviceRing() & ~0xffffffffL) | low);
            default -> queue.setDeviceRing((now.deviceRing() & 0xffffffffL) | high);
        }
    }

    private void notifyQueue(int index) {
        if (index >= queues.length || !queues[index].ready() || (status & STATUS_DRIVER_OK) == 0
                || (status & STATUS_NEEDS_RESET) != 0) {
            counters.increment(VirtioCounter.QUEUE_BAD_NOTIFY);
            return;
        }
        device.queueNotified(index);
    }

    private Virtqueue selectedQueue() {
        return queueSelect >= 0 && queueSelect < queues.length ? queues[queueSelect] : null;
    }

    /** The selected queue when its registers may be written (it is not ready); otherwise counted and null. */
    private Virtqueue configurableQueue() {
        Virtqueue queue = selectedQueue();
        if (queue == null || queue.enabled()) {
            counters.increment(VirtioCounter.TRANSPORT_BAD_ACCESS);
            return null;
        }
        return queue;
    }

    private int interruptStatus() {
        synchronized (interruptLock) {
            return interruptStatus;
        }
    }

    private void raise(int bits) {
        synchronized (interruptLock) {
            interruptStatus |= bits;
            irq.set(true);
        }
    }

    private void acknowledge(int bits) {
        synchronized (interruptLock) {
            interruptStatus &= ~bits;
            if (interruptStatus == 0) {
                irq.set(false);
            }
        }
    }
}
