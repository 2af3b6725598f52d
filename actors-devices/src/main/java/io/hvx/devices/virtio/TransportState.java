package io.hvx.devices.virtio;

import java.util.List;

/** The saved state of a virtio-mmio transport: negotiation, status, interrupt and every queue. */
public record TransportState(int status, long driverFeatures, int deviceFeaturesSelect, int driverFeaturesSelect,
        int queueSelect, int interruptStatus, int configGeneration, List<QueueState> queues) {
}
