package io.hvx.devices.virtio.rng;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.ConfigSpace;
import io.hvx.devices.virtio.DescriptorChain;
import io.hvx.devices.virtio.RequestHandler;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.VirtioDevice;
import io.hvx.devices.virtio.VirtioSignals;
import io.hvx.devices.virtio.Virtqueue;
import java.lang.foreign.MemorySegment;
import java.security.SecureRandom;

/**
 * A virtio entropy device: fills the guest's request buffers from the host's {@link SecureRandom}, at most
 * {@link #MAX_REQUEST_BYTES} per request, on the notifying vCPU thread (requests are small and rare).
 */
public final class VirtioRng implements VirtioDevice {
    public static final int DEVICE_ID = 4;
    /** Bytes one request gets at most, so that a huge buffer cannot stall the vCPU. */
    public static final int MAX_REQUEST_BYTES = 4096;

    private final SecureRandom random = new SecureRandom();
    private final byte[] bytes = new byte[MAX_REQUEST_BYTES];
    private final MemorySegment source = MemorySegment.ofArray(bytes);
    private final DescriptorChain chain;
    private static final ConfigSpace NO_CONFIG = new ConfigSpace(0);

    private final VirtioCounters counters;
    private final RequestHandler handler = this::fill;
    private Virtqueue queue;
    private VirtioSignals signals;

    public VirtioRng(GuestRam ram, VirtioCounters counters) {
        this.chain = new DescriptorChain(ram.segment());
        this.counters = counters;
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public ConfigSpace config() {
        return NO_CONFIG;
    }

    @Override
    public void activate(Virtqueue[] queues, VirtioSignals signals) {
        this.queue = queues[0];
        this.signals = signals;
    }

    @Override
    public void reset() {
        queue = null;
    }

    @Override
    public void queueNotified(int index) {
        Virtqueue q = queue;
        if (q == null) {
            return;
        }
        RequestHandler.drain(q, chain, signals, handler);
    }

    private int fill(DescriptorChain request) {
        int n = (int) Math.min(request.writableBytes(), MAX_REQUEST_BYTES);
        if (n == 0) {
            counters.increment(VirtioCounter.REQUEST_MALFORMED);
        }
        random.nextBytes(bytes);
        request.writeFrom(0, source, 0, n);
        counters.add(VirtioCounter.BYTES_TO_GUEST, n);
        return n;
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public void close() {
    }
}
