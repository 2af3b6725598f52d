package io.hvx.storage.nbd;

import static io.hvx.storage.nbd.NbdProtocol.*;

import io.hvx.storage.block.BlockDevice;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client: fixed newstyle negotiation, then transmission with simple replies, several requests in flight.
 * Buffers belong to a fixed set of slots per connection and are reused, so serving a request allocates nothing.
 */
final class NbdConnection implements Runnable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);
    private static final int ZERO_CHUNK = 1 << 20;
    private static final Slot STOP = new Slot();
    private final SocketChannel channel;
    private final NbdExports exports;
    private final NbdCounters counters;
    private final ByteBuffer header = ByteBuffer.allocateDirect(28);
    private final ByteBuffer small = ByteBuffer.allocateDirect(MAX_OPTION);
    private final ArrayBlockingQueue<Slot> free;
    private final ArrayBlockingQueue<Slot> queue;
    private final AtomicInteger busy = new AtomicInteger();
    private final Object replyLock = new Object();
    private int workers;
    private boolean noZeroes;

    NbdConnection(SocketChannel channel, NbdExports exports, NbdCounters counters, int maxInFlight) {
        this.channel = channel;
        this.exports = exports;
        this.counters = counters;
        this.free = new ArrayBlockingQueue<>(maxInFlight);
        // Room for every slot plus one STOP per worker, so adding never blocks or fails.
        this.queue = new ArrayBlockingQueue<>(2 * maxInFlight);
        for (int i = 0; i < maxInFlight; i++) {
            free.add(new Slot());
        }
    }

    /** A client that broke the protocol; the connection is closed, as the protocol document allows. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    @Override
    public void run() {
        counters.connections.incrementAndGet();
        NbdExports.Export export = null;
        try (channel) {
            export = negotiate();
            if (export != null) {
                transmit(export);
            }
        } catch (ProtocolException e) {
            counters.protocolErrors.incrementAndGet();
        } catch (IOException e) {
            // The client went away or the device failed mid-negotiation; nothing to answer to.
        } finally {
            if (export != null && export.onClose() != null) {
                try {
                    export.onClose().close();
                } catch (Exception e) {
                    // Closing a per-connection view must not take the server down.
                }
            }
        }
    }

    private NbdExports.Export negotiate() throws IOException {
        ByteBuffer hello = small.clear();
        hello.putLong(NBDMAGIC).putLong(IHAVEOPT).putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
        writeFully(hello);
        int clientFlags = readInt();
        if ((clientFlags & ~CLIENT_FLAGS_KNOWN) != 0) {
            throw new ProtocolException("unknown client flags " + Integer.toHexString(clientFlags));
        }
        noZeroes = (clientFlags & FLAG_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer h = readExactly(small.clear().limit(16));
            if (h.getLong(0) != IHAVEOPT) {
                throw new ProtocolException("bad option magic");
            }
            int option = h.getInt(8);
            int length = h.getInt(12);
            if (length < 0 || length > MAX_OPTION) {
                throw new ProtocolException("option of " + length + " bytes");
            }
            ByteBuffer payload = readExactly(small.clear().limit(length));
            byte[] body = new byte[length];
            payload.get(0, body);
            switch (option) {
                case OPT_EXPORT_NAME -> {
                    String name = new String(body, StandardCharsets.UTF_8);
                    NbdExports.Export export = exports.open(name);
                    if (export == null) {
                        return null;
                    }
                    ByteBuffer b = small.clear();
                    b.putLong(export.device().size()).putShort((short) transmissionFlags(export));
                    if (!noZeroes) {
                        b.put(new byte[124]);
                    }
                    writeFully(b.flip());
                    return export;
                }
                case OPT_ABORT -> {
                    optionReply(option, REP_ACK, null);
                    return null;
                }
                case OPT_LIST -> {
                    if (length != 0) {
                        optionReply(option, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
                        continue;
                    }
                    List<String> names = exports.names();
                    for (String name : names) {
                        byte[] n = name.getBytes(StandardCharsets.UTF_8);
                        ByteBuffer d = ByteBuffer.allocate(4 + n.length).putInt(n.length).put(n).flip();
                        optionReply(option, REP_SERVER, d);
                    }
                    optionReply(option, REP_ACK, null);
                }
                case OPT_INFO, OPT_GO -> {
                    NbdExports.Export export = infoOrGo(option, ByteBuffer.wrap(body));
                    if (export != null) {
                        if (option == OPT_GO) {
                            return export;
                        }
                        if (export.onClose() != null) {
                            try {
                                export.onClose().close();
                            } catch (Exception e) {
                                // only looked at
                            }
                        }
                    }
                }
                default -> optionReply(option, REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
    }

    private NbdExports.Export infoOrGo(int option, ByteBuffer body) throws IOException {
        if (body.remaining() < 6) {
            optionReply(option, REP_ERR_INVALID, "option too short");
            return null;
        }
        int nameLength = body.getInt();
        if (nameLength < 0 || nameLength > body.remaining() - 2) {
            optionReply(option, REP_ERR_INVALID, "bad export name length");
            return null;
        }
        byte[] n = new byte[nameLength];
        body.get(n);
        int requests = body.getShort() & 0xffff;
        if (body.remaining() != requests * 2) {
            optionReply(option, REP_ERR_INVALID, "bad information request list");
            return null;
        }
        String name = new String(n, StandardCharsets.UTF_8);
        NbdExports.Export export;
        try {
            export = exports.open(name);
        } catch (io.hvx.storage.snapshot.SnapshotBusyException e) {
            // The client sees why (qemu prints the message), and may retry after the commit.
            optionReply(option, REP_ERR_POLICY, e.getMessage());
            return null;
        }
        if (export == null) {
            optionReply(option, REP_ERR_UNKNOWN, "no export '" + name + "'");
            return null;
        }
        ByteBuffer info = ByteBuffer.allocate(12).putShort((short) INFO_EXPORT).putLong(export.device().size())
                .putShort((short) transmissionFlags(export)).flip();
        optionReply(option, REP_INFO, info);
        // Requests: 512-byte minimum (the sector size qemu assumes), 4 KiB preferred, 32 MiB maximum.
        ByteBuffer sizes = ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE).putInt(1).putInt(4096)
                .putInt(MAX_PAYLOAD).flip();
        optionReply(option, REP_INFO, sizes);
        optionReply(option, REP_ACK, null);
        return export;
    }

    private static int transmissionFlags(NbdExports.Export export) {
        int flags = TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA;
        if (export.readOnly()) {
            flags |= TFLAG_READ_ONLY | TFLAG_CAN_MULTI_CONN;
        } else {
            flags |= TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES;
            if (export.shared()) {
                // All connections write through one device whose flush syncs everything it completed.
                flags |= TFLAG_CAN_MULTI_CONN;
            }
        }
        return flags;
    }

    private void optionReply(int option, int type, Object payload) throws IOException {
        ByteBuffer body = switch (payload) {
            case null -> ByteBuffer.allocate(0);
            case String s -> ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
            case ByteBuffer b -> b;
            default -> throw new IllegalArgumentException();
        };
        ByteBuffer h = ByteBuffer.allocate(20).putLong(REPLY_MAGIC).putInt(option).putInt(type).putInt(body.remaining())
                .flip();
        writeFully(h);
        writeFully(body);
    }

    /**
     * The transmission phase: this thread reads and checks requests and hands each to a worker with its own
     * slot (payload buffer and reply header); workers reply whole under {@link #replyLock}, in any order.
     * At most {@code maxInFlight} requests are in flight: the next request is only read once a slot is free.
     */
    private void transmit(NbdExports.Export export) throws IOException {
        Slot held = null;
        try {
            while (true) {
                held = free.take();
                readExactly(header.clear());
                if (header.getInt(0) != REQUEST_MAGIC) {
                    throw new ProtocolException("bad request magic");
                }
                Slot slot = held;
                slot.export = export;
                slot.flags = header.getShort(4) & 0xffff;
                slot.type = header.getShort(6) & 0xffff;
                slot.handle = header.getLong(8);
                slot.offset = header.getLong(16);
                slot.length = header.getInt(24) & 0xffffffffL;
                counters.requests.incrementAndGet();
                if (slot.type == CMD_DISC) {
                    // The protocol document: finish what is in flight, then close.
                    free.put(slot);
                    held = null;
                    drain();
                    export.device().flush();
                    return;
                }
                if (!check(slot)) {
                    free.put(slot);
                    held = null;
                    continue;
                }
                held = null;
                dispatch(slot);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (held != null) {
                free.add(held);
            }
            drain();
            stopWorkers();
        }
    }

    /**
     * Reads a write's payload and answers at once what cannot be served (replies may come in any order); true
     * when a worker should serve the request.
     */
    private boolean check(Slot slot) throws IOException {
        NbdExports.Export export = slot.export;
        BlockDevice device = export.device();
        long offset = slot.offset;
        long length = slot.length;
        switch (slot.type) {
            case CMD_READ -> {
                if (length > MAX_PAYLOAD || outside(device, offset, length)) {
                    refuse(slot, EINVAL);
                    return false;
                }
                slot.payload((int) length);
                return true;
            }
            case CMD_WRITE -> {
                if (length > MAX_PAYLOAD) {
                    // The payload cannot be skipped safely without reading it all; a client this far outside the
                    // advertised maximum is disconnected.
                    throw new ProtocolException("write of " + length + " bytes");
                }
                readExactly(slot.payload((int) length));
                if (export.readOnly()) {
                    refuse(slot, EPERM);
                    return false;
                }
                if (outside(device, offset, length)) {
                    refuse(slot, ENOSPC);
                    return false;
                }
                return true;
            }
            case CMD_FLUSH -> {
                return true;
            }
            case CMD_TRIM, CMD_WRITE_ZEROES -> {
                if (export.readOnly()) {
                    refuse(slot, EPERM);
                    return false;
                }
                if (outside(device, offset, length)) {
                    refuse(slot, slot.type == CMD_TRIM ? EINVAL : ENOSPC);
                    return false;
                }
                return true;
            }
            default -> {
                refuse(slot, EINVAL);
                return false;
            }
        }
    }

    /** Queues a checked request; starts one more worker while fewer workers exist than requests in flight. */
    private void dispatch(Slot slot) {
        int inFlight = busy.incrementAndGet();
        if (inFlight > workers) {
            workers++;
            Thread.ofPlatform().daemon().name(Thread.currentThread().getName() + "-w" + workers).start(this::work);
        }
        queue.add(slot);
    }

    private void work() {
        try {
            while (true) {
                Slot slot = queue.take();
                if (slot == STOP) {
                    return;
                }
                try {
                    serve(slot);
                } catch (IOException e) {
                    // The reply could not be sent: the client is gone. Closing wakes the reader, which ends
                    // the connection.
                    closeQuietly();
                } finally {
                    busy.decrementAndGet();
                    free.add(slot);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Serves one checked request on the device and replies; a device failure answers EIO, as before. */
    private void serve(Slot slot) throws IOException {
        BlockDevice device = slot.export.device();
        boolean fua = (slot.flags & CMD_FLAG_FUA) != 0;
        try {
            switch (slot.type) {
                case CMD_READ -> {
                    device.read(slot.data, slot.offset);
                    counters.bytesRead.addAndGet(slot.length);
                    slot.data.flip();
                    reply(slot, 0, slot.data);
                    return;
                }
                case CMD_WRITE -> {
                    device.write(slot.data, slot.offset);
                    if (fua) {
                        device.flush();
                    }
                    counters.bytesWritten.addAndGet(slot.length);
                }
                // One flush syncs every write the device completed, so every write replied to before this
                // request arrived is covered, whichever worker ran it.
                case CMD_FLUSH -> device.flush();
                case CMD_TRIM, CMD_WRITE_ZEROES -> {
                    zeroOrTrim(slot, device);
                    if (fua) {
                        device.flush();
                    }
                }
                default -> throw new IllegalStateException("unchecked request type " + slot.type);
            }
        } catch (IOException | RuntimeException e) {
            refuse(slot, EIO);
            return;
        }
        reply(slot, 0, null);
    }

    private void zeroOrTrim(Slot slot, BlockDevice device) throws IOException {
        if (slot.type == CMD_TRIM || (slot.flags & CMD_FLAG_NO_HOLE) == 0) {
            device.discard(slot.offset, slot.length);
            return;
        }
        ByteBuffer zeros = slot.payload((int) Math.min(slot.length, ZERO_CHUNK));
        for (int i = 0; i < zeros.limit(); i++) {
            zeros.put(i, (byte) 0);
        }
        for (long done = 0; done < slot.length; ) {
            int n = (int) Math.min(slot.length - done, zeros.capacity());
            zeros.clear().limit(n);
            device.write(zeros, slot.offset + done);
            done += n;
        }
    }

    private boolean outside(BlockDevice device, long offset, long length) {
        return offset < 0 || offset + length > device.size() || offset + length < 0;
    }

    private void refuse(Slot slot, int error) throws IOException {
        counters.refusedRequests.incrementAndGet();
        reply(slot, error, null);
    }

    /** Writes a simple reply (and a read's data) whole, so replies of several workers never interleave. */
    private void reply(Slot slot, int error, ByteBuffer data) throws IOException {
        ByteBuffer r = slot.reply.clear().putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(slot.handle).flip();
        synchronized (replyLock) {
            if (data == null) {
                writeFully(r);
                return;
            }
            slot.replyAndData[0] = r;
            slot.replyAndData[1] = data;
            while (r.hasRemaining() || data.hasRemaining()) {
                channel.write(slot.replyAndData);
            }
        }
    }

    /** Waits until every request handed to a worker has been answered: all slots are back in the free pool. */
    private void drain() {
        int slots = free.remainingCapacity() + free.size();
        Slot[] taken = new Slot[slots];
        boolean interrupted = false;
        // Not interruptible: the export is closed after this, and a worker must not touch a closed device.
        for (int i = 0; i < slots; ) {
            try {
                taken[i] = free.take();
                i++;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Slot s : taken) {
            free.add(s);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopWorkers() {
        for (int i = 0; i < workers; i++) {
            queue.add(STOP);
        }
        workers = 0;
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // already closing
        }
    }

    /** One request's state and buffers; a connection has maxInFlight of them, reused for every request. */
    private static final class Slot {
        final ByteBuffer reply = ByteBuffer.allocateDirect(16);
        final ByteBuffer[] replyAndData = new ByteBuffer[2];
        ByteBuffer data = EMPTY;
        NbdExports.Export export;
        int flags;
        int type;
        long handle;
        long offset;
        long length;

        /** The slot's payload buffer, grown (rarely, up to 32 MiB) when a request needs more. */
        ByteBuffer payload(int length) {
            if (data.capacity() < length) {
                data = ByteBuffer.allocateDirect(Math.max(length, Math.min(MAX_PAYLOAD, Math.max(64 << 10,
                        data.capacity() * 2))));
            }
            return data.clear().limit(length);
        }
    }

    private int readInt() throws IOException {
        return readExactly(small.clear().limit(4)).getInt(0);
    }

    private ByteBuffer readExactly(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("client closed the connection");
            }
        }
        return b.flip();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }
}
