package io.hvx.devices.virtio.console;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.serial.ByteSink;
import io.hvx.devices.virtio.ConfigSpace;
import io.hvx.devices.virtio.DescriptorChain;
import io.hvx.devices.virtio.RequestHandler;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.VirtioDevice;
import io.hvx.devices.virtio.VirtioSignals;
import io.hvx.devices.virtio.Virtqueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A virtio console with one port (the guest's hvc0, no multiport): guest output goes to a {@link ByteSink}
 * on the notifying vCPU thread, host input is placed in the guest's receive buffers by {@link #receive},
 * which takes only what the guest has room for so that the host side waits instead of losing input.
 */
public final class VirtioConsole implements VirtioDevice {
    public static final int DEVICE_ID = 3;
    static final int RECEIVE_QUEUE = 0;
    static final int TRANSMIT_QUEUE = 1;

    private final MemorySegment ram;
    private final ByteSink sink;
    private final VirtioCounters counters;
    private final DescriptorChain chain;
    private final ConfigSpace config = new ConfigSpace(12).put(0, 2, 80).put(2, 2, 25).put(4, 4, 1);
    private final RequestHandler output = this::write;
    private Virtqueue[] queues;
    private VirtioSignals signals;

    public VirtioConsole(GuestRam ram, ByteSink sink, VirtioCounters counters) {
        this.ram = ram.segment();
        this.sink = sink;
        this.counters = counters;
        this.chain = new DescriptorChain(this.ram);
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
        return 2;
    }

    @Override
    public ConfigSpace config() {
        return config;
    }

    @Override
    public synchronized void activate(Virtqueue[] queues, VirtioSignals signals) {
        this.queues = queues;
        this.signals = signals;
    }

    @Override
    public synchronized void reset() {
        queues = null;
    }

    @Override
    public synchronized void queueNotified(int queue) {
        if (queues == null || queue != TRANSMIT_QUEUE) {
            return; // receive buffers are used when input arrives
        }
        RequestHandler.drain(queues[TRANSMIT_QUEUE], chain, signals, output);
    }

    private int write(DescriptorChain request) {
        for (int i = 0; i < request.readableBuffers(); i++) {
            long offset = request.offset(i);
            for (int b = 0; b < request.length(i); b++) {
                sink.write(ram.get(ValueLayout.JAVA_BYTE, offset + b) & 0xff);
            }
        }
        counters.add(VirtioCounter.BYTES_FROM_GUEST, request.readableBytes());
        return 0;
    }

    /** Places host input in the guest's receive buffers; returns how many bytes were taken (0 while it has none). */
    public synchronized int receive(byte[] data, int offset, int length) {
        if (queues == null) {
            return 0;
        }
        Virtqueue q = queues[RECEIVE_QUEUE];
        MemorySegment source = MemorySegment.ofArray(data);
        int done = 0;
        boolean pushed = false;
        int taken = Virtqueue.EMPTY;
        while (done < length && (taken = q.pop(chain)) == Virtqueue.TAKEN) {
            int n = chain.writeFrom(0, source, offset + done, length - done);
            q.push(chain.head(), n);
            done += n;
            pushed = true;
        }
        counters.add(VirtioCounter.BYTES_TO_GUEST, done);
        if (taken == Virtqueue.MALFORMED) {
            signals.needsReset();
        }
        if (pushed) {
            signals.usedBuffers(q);
        }
        return done;
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public void close() {
    }
}
