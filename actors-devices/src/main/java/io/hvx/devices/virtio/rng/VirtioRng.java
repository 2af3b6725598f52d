package io.hvx.devices.virtio.rng;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.DescriptorChain;
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
    private final VirtioCounters counters;
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
    public int configSize() {
        return 0;
    }

    @Override
    public int readConfig(int offset) {
        return 0;
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
        boolean pushed = false;
        int taken;
        while ((taken = q.pop(chain)) == Virtqueue.TAKEN) {
            int n = (int) Math.min(chain.writableBytes(), MAX_REQUEST_BYTES);
            if (n == 0) {
                counters.increment(VirtioCounter.REQUEST_MALFORMED);
            }
            random.nextBytes(bytes);
            chain.writeFrom(0, source, 0, n);
            q.push(chain.head(), n);
            counters.increment(VirtioCounter.REQUESTS);
            counters.add(VirtioCounter.BYTES_TO_GUEST, n);
            pushed = true;
        }
        if (taken == Virtqueue.MALFORMED) {
            signals.needsReset();
        }
        if (pushed) {
            signals.usedBuffers(q);
        }
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public void close() {
    }
}
