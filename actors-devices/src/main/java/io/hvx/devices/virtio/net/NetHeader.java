package io.hvx.devices.virtio.net;

/**
 * The virtio-net header in front of every frame in both directions (virtio 1.x section 5.1.6; with
 * VIRTIO_F_VERSION_1 it always has the num_buffers field):
 *
 * <pre>
 *  0       1          2         4          6           8            10            12
 *  | flags | gso_type | hdr_len | gso_size | csum_start | csum_offset | num_buffers |
 * </pre>
 * Bytes 0..9 are the layout {@link io.hvx.net.frame.Offload} reads and writes.
 */
final class NetHeader {
    static final int LENGTH = 12;
    static final int NUM_BUFFERS_OFFSET = 10;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;

    private NetHeader() {
    }
}
