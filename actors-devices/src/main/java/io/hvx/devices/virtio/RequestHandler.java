package io.hvx.devices.virtio;

/** Serves one request taken from a virtqueue; returns how many bytes it wrote into the writable buffers. */
@FunctionalInterface
public interface RequestHandler {

    int serve(DescriptorChain chain);

    /**
     * Serves every available request of {@code queue} with {@code handler} in one batch, then interrupts the
     * driver if it asks for it; a malformed chain puts the device in DEVICE_NEEDS_RESET. Returns the requests served.
     */
    static int drain(Virtqueue queue, DescriptorChain chain, VirtioSignals signals, RequestHandler handler) {
        int served = 0;
        int taken;
        while ((taken = queue.pop(chain)) == Virtqueue.TAKEN) {
            queue.push(chain.head(), handler.serve(chain));
            served++;
        }
        if (taken == Virtqueue.MALFORMED) {
            signals.needsReset();
        }
        if (served > 0) {
            signals.counters().add(VirtioCounter.REQUESTS, served);
            signals.usedBuffers(queue);
        }
        return served;
    }
}
