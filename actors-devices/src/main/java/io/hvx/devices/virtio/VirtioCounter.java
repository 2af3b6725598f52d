package io.hvx.devices.virtio;

/** Every counted event of a virtio device, named {@code <COMPONENT>_<REASON>}. */
public enum VirtioCounter {
    /** Requests (chains) a device completed, successfully or not. */
    REQUESTS,
    /** Payload bytes the device wrote into guest buffers (disk reads, received frames, entropy, console input). */
    BYTES_TO_GUEST,
    /** Payload bytes the device took from guest buffers (disk writes, sent frames, console output). */
    BYTES_FROM_GUEST,
    /** Requests that failed with an error status (I/O error, unsupported, read-only, out of range). */
    REQUEST_ERRORS,
    /** Requests whose buffers did not fit the request type (too short, no status byte, wrong direction). */
    REQUEST_MALFORMED,
    /** Descriptor chains that broke the ring rules: index out of range, loop, address outside RAM, bad indirect. */
    QUEUE_MALFORMED_CHAINS,
    /** An avail index that ran ahead of the ring by more than its size. */
    QUEUE_BAD_AVAIL_INDEX,
    /** Times the device entered DEVICE_NEEDS_RESET. */
    DEVICE_NEEDS_RESET,
    /** Notifications for a queue that does not exist or is not ready. */
    QUEUE_BAD_NOTIFY,
    /** Guest register writes the transport ignored (bad offset, width, or state). */
    TRANSPORT_BAD_ACCESS,
    /** Driver feature sets the device refused (FEATURES_OK not accepted). */
    TRANSPORT_FEATURES_REFUSED,
    /** Used-buffer interrupts raised. */
    INTERRUPTS,
    /** Frames from the switch dropped because the guest had posted no receive buffer (or one too small). */
    NET_RX_NO_BUFFER,
    /** Frames the guest sent that the switch's ingress ring could not take. */
    NET_TX_RING_FULL,
    /** Frames the guest sent that were too short, too long or carried an offload we did not offer. */
    NET_TX_MALFORMED,
    /** Console output or input bytes dropped. */
    CONSOLE_DROPPED
}
