package io.hvx.devices.virtio.net;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.ConfigSpace;
import io.hvx.devices.virtio.DescriptorChain;
import io.hvx.devices.virtio.GuestWindows;
import io.hvx.devices.virtio.QueueWorker;
import io.hvx.devices.virtio.RequestHandler;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.VirtioDevice;
import io.hvx.devices.virtio.VirtioSignals;
import io.hvx.devices.virtio.Virtqueue;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Offload;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A virtio-net NIC on an hSwitch local port. Frames the switch sends to the port are written straight into
 * the guest's receive buffers on the switch's data-plane thread ({@link FrameSink}; never blocks, a frame
 * the guest has no room for is a counted drop); frames the guest transmits are taken by the NIC's I/O
 * thread and offered to the port's {@link IngressRing}, TCP segmentation offloads as GSO frames.
 *
 * <p>Offloads are offered only as far as the switch path honours them: the guest may send partial
 * checksums (completed here for ordinary frames) and TSO frames (carried as GSO frames to sinks that take
 * them: TAP ports with vnet headers, the overlay tunnel); it receives GSO frames only if it negotiated
 * GUEST_TSO and GUEST_CSUM, otherwise the switch counts them as port drops. Mergeable receive buffers let
 * a 64 KiB frame span several guest buffers. Nothing is allocated per frame.
 */
public final class VirtioNet implements VirtioDevice, FrameSink {
    public static final int DEVICE_ID = 1;

    static final long F_CSUM = 1L;
    static final long F_GUEST_CSUM = 1L << 1;
    static final long F_MAC = 1L << 5;
    static final long F_GUEST_TSO4 = 1L << 7;
    static final long F_GUEST_TSO6 = 1L << 8;
    static final long F_HOST_TSO4 = 1L << 11;
    static final long F_HOST_TSO6 = 1L << 12;
    static final long F_MRG_RXBUF = 1L << 15;
    static final long F_STATUS = 1L << 16;
    static final int STATUS_LINK_UP = 1;
    static final int RECEIVE_QUEUE = 0;
    static final int TRANSMIT_QUEUE = 1;
    /** Room in front of a staged frame: the packed offload that {@link IngressRing#offerOffloaded} expects. */
    private static final int STAGE_FRAME_AT = 16;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final VirtioCounters counters;
    private final ConfigSpace config = new ConfigSpace(10);
    private final Object rxLock = new Object();
    private final DescriptorChain rxChain;
    private final GuestWindows rxWindows;
    private final MemorySegment ram;
    private final int[] rxHeads = new int[Virtqueue.MAX_SIZE];
    private final int[] rxLengths = new int[Virtqueue.MAX_SIZE];
    private final DescriptorChain txChain;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment stage = arena.allocate(STAGE_FRAME_AT + Offload.MAX_FRAME_LENGTH, 64);
    private final UnsafeBuffer stageBuffer = new UnsafeBuffer(stage.address(), (int) stage.byteSize());
    private final QueueWorker worker;
    private final RequestHandler sender = this::send;
    private volatile IngressRing ring;
    private volatile boolean linkUp = true;
    private Virtqueue rxQueue; // guarded by rxLock
    private Virtqueue txQueue;
    private VirtioSignals signals;
    private volatile long negotiated;
    private final boolean segmentation;

    /**
     * A NIC with MAC address {@code mac} (48 bits, first octet in the most significant byte); {@code segmentation}
     * offers TCP segmentation offload both ways, which only a network whose ports all take GSO frames (TAP ports
     * with vnet headers, the tunnel) honours.
     */
    public VirtioNet(long mac, boolean segmentation, GuestRam guestRam, VirtioCounters counters) {
        this.counters = counters;
        this.segmentation = segmentation;
        this.ram = guestRam.segment();
        this.rxChain = new DescriptorChain(ram);
        this.txChain = new DescriptorChain(ram);
        this.rxWindows = new GuestWindows(ram);
        for (int i = 0; i < 6; i++) {
            config.put(i, 1, mac >>> (8 * (5 - i)));
        }
        config.put(6, 2, STATUS_LINK_UP);
        this.worker = new QueueWorker("virtio-net-tx", bits -> transmitPending());
    }

    /** Connects the NIC to its switch port: guest frames go to {@code ingress} from now on. */
    public void connect(IngressRing ingress) {
        this.ring = ingress;
    }

    /** Sets the link status the guest sees and tells it. */
    public void link(boolean up) {
        linkUp = up;
        config.put(6, 2, up ? STATUS_LINK_UP : 0);
        VirtioSignals s = signals;
        if (s != null) {
            s.configChanged();
        }
    }

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long features() {
        long always = F_MAC | F_STATUS | F_MRG_RXBUF | F_CSUM | F_GUEST_CSUM;
        return segmentation ? always | F_HOST_TSO4 | F_HOST_TSO6 | F_GUEST_TSO4 | F_GUEST_TSO6 : always;
    }

    @Override
    public boolean acceptFeatures(long driverFeatures) {
        negotiated = driverFeatures;
        return true;
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
    public void activate(Virtqueue[] queues, VirtioSignals signals) {
        this.signals = signals;
        synchronized (rxLock) {
            rxQueue = queues[RECEIVE_QUEUE];
        }
        txQueue = queues[TRANSMIT_QUEUE];
        worker.resume();
        worker.wake(TRANSMIT_QUEUE);
    }

    @Override
    public void reset() {
        worker.pause();
        synchronized (rxLock) {
            rxQueue = null;
        }
        negotiated = 0;
    }

    @Override
    public void queueNotified(int queue) {
        if (queue == TRANSMIT_QUEUE) {
            worker.wake(queue);
        }
        // new receive buffers need no action: the next frame from the switch finds them
    }

    @Override
    public VirtioCounters counters() {
        return counters;
    }

    @Override
    public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
        return receive(buffer, offset, length, Offload.NONE);
    }

    @Override
    public boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
        long features = negotiated;
        int gso = Offload.gsoType(offload);
        boolean taken = (features & F_GUEST_CSUM) != 0
            && ((gso == NetHeader.GSO_TCPV4 && (features & F_GUEST_TSO4) != 0)
                || (gso == NetHeader.GSO_TCPV6 && (features & F_GUEST_TSO6) != 0));
        return taken && receive(buffer, offset, length, offload);
    }

    @Override
    public void close() {
        worker.close();
        arena.close();
    }

    /** Switch thread: writes one frame and its header into the guest's receive buffers. */
    private boolean receive(DirectBuffer buffer, int offset, int length, long offload) {
        synchronized (rxLock) {
            Virtqueue queue = rxQueue;
            if (queue == null || !linkUp) {
                counters.increment(VirtioCounter.NET_RX_NO_BUFFER);
                return true;
            }
            boolean mergeable = (negotiated & F_MRG_RXBUF) != 0;
            int placed = 0; // frame bytes in guest buffers so far
            int chains = 0;
            long numBuffersAt = -1;
            while (chains == 0 || placed < length) {
                int taken = queue.pop(rxChain);
                if (taken != Virtqueue.TAKEN || (chains > 0 && !mergeable) || chains == rxHeads.length) {
                    return dropReceived(queue, taken, chains + (taken == Virtqueue.TAKEN ? 1 : 0));
                }
                int start = 0;
                if (chains == 0) {
                    if (rxChain.buffers() == 0 || !rxChain.writable(0) || rxChain.length(0) < NetHeader.LENGTH) {
                        counters.increment(VirtioCounter.REQUEST_MALFORMED);
                        return dropReceived(queue, Virtqueue.EMPTY, 1);
                    }
                    writeHeader(rxChain.offset(0), offload);
                    numBuffersAt = rxChain.offset(0) + NetHeader.NUM_BUFFERS_OFFSET;
                    start = NetHeader.LENGTH;
                }
                int n = (int) Math.min(rxChain.writableBytes() - start, length - placed);
                copyIntoChain(buffer, offset + placed, start, n);
                rxHeads[chains] = rxChain.head();
                rxLengths[chains] = start + n;
                placed += n;
                chains++;
            }
            ram.set(U16, numBuffersAt, (short) chains);
            for (int i = 0; i < chains; i++) {
                queue.push(rxHeads[i], rxLengths[i]);
            }
            counters.increment(VirtioCounter.REQUESTS);
            counters.add(VirtioCounter.BYTES_TO_GUEST, length);
            signals.usedBuffers(queue);
            return true;
        }
    }

    private boolean dropReceived(Virtqueue queue, int taken, int chains) {
        if (taken == Virtqueue.MALFORMED) {
            signals.needsReset();
        } else {
            queue.unpop(chains); // the buffers stay the guest's for the next frame
        }
        counters.increment(VirtioCounter.NET_RX_NO_BUFFER);
        return true;
    }

    private void writeHeader(long at, long offload) {
        ram.asSlice(at, NetHeader.LENGTH).fill((byte) 0);
        ram.set(ValueLayout.JAVA_BYTE, at, (byte) Offload.flags(offload));
        ram.set(ValueLayout.JAVA_BYTE, at + 1, (byte) Offload.gsoType(offload));
        ram.set(U16, at + 4, (short) Offload.gsoSize(offload));
        ram.set(U16, at + 6, (short) Offload.checksumStart(offload));
        ram.set(U16, at + 8, (short) Offload.checksumOffset(offload));
    }

    /** Copies {@code n} frame bytes from {@code buffer[from]} into the writable stream of rxChain at {@code position}. */
    private void copyIntoChain(DirectBuffer buffer, int from, long position, int n) {
        long skip = position;
        int done = 0;
        for (int i = rxChain.readableBuffers(); i < rxChain.buffers() && done < n; i++) {
            int bufferLength = rxChain.length(i);
            if (skip >= bufferLength) {
                skip -= bufferLength;
                continue;
            }
            int part = (int) Math.min(bufferLength - skip, n - done);
            long at = rxChain.offset(i) + skip;
            int copied = 0;
            while (copied < part) {
                ByteBuffer view = rxWindows.view(at + copied, part - copied);
                int chunk = view.remaining();
                buffer.getBytes(from + done + copied, view, view.position(), chunk);
                copied += chunk;
            }
            done += part;
            skip = 0;
        }
    }

    /** I/O thread: offers every frame the guest queued for transmission to the switch. */
    private void transmitPending() {
        RequestHandler.drain(txQueue, txChain, signals, sender);
    }

    /** Offers the frame in {@code txChain} to the switch; the guest's buffers are returned with nothing written. */
    private int send(DescriptorChain txChain) {
        long total = txChain.readableBytes();
        int length = (int) (total - NetHeader.LENGTH);
        if (total < NetHeader.LENGTH + EthernetFrame.HEADER_LENGTH || total > NetHeader.LENGTH + Offload.MAX_FRAME_LENGTH) {
            counters.increment(VirtioCounter.NET_TX_MALFORMED);
            return 0;
        }
        int headerAt = STAGE_FRAME_AT - NetHeader.LENGTH;
        txChain.readInto(0, stage, headerAt, (int) total);
        long offload = Offload.readVirtioHeader(stageBuffer, headerAt);
        int gso = Offload.gsoType(offload);
        long features = negotiated;
        boolean needsChecksum = (Offload.flags(offload) & Offload.NEEDS_CSUM) != 0;
        if ((needsChecksum && (features & F_CSUM) == 0)
            || (gso == Offload.GSO_NONE && length > EthernetFrame.MAX_LENGTH)
            || (gso == NetHeader.GSO_TCPV4 && (features & F_HOST_TSO4) == 0)
            || (gso == NetHeader.GSO_TCPV6 && (features & F_HOST_TSO6) == 0)
            || (gso != Offload.GSO_NONE && gso != NetHeader.GSO_TCPV4 && gso != NetHeader.GSO_TCPV6)) {
            counters.increment(VirtioCounter.NET_TX_MALFORMED);
            return 0;
        }
        IngressRing port = ring;
        boolean offered;
        if (port == null) {
            offered = false;
        } else if (gso == Offload.GSO_NONE) {
            if (needsChecksum && !Offload.completeChecksum(stageBuffer, STAGE_FRAME_AT, length, offload)) {
                counters.increment(VirtioCounter.NET_TX_MALFORMED);
                return 0;
            }
            offered = port.offer(stageBuffer, STAGE_FRAME_AT, length);
        } else {
            stageBuffer.putLong(STAGE_FRAME_AT - Long.BYTES, offload);
            offered = port.offerOffloaded(stageBuffer, STAGE_FRAME_AT, length);
        }
        if (offered) {
            counters.add(VirtioCounter.BYTES_FROM_GUEST, length);
        } else {
            counters.increment(VirtioCounter.NET_TX_RING_FULL);
        }
        return 0;
    }
}
