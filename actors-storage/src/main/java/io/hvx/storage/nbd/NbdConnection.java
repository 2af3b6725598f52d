package io.hvx.storage.nbd;

import static io.hvx.storage.nbd.NbdProtocol.*;

import io.hvx.storage.block.BlockDevice;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One client: fixed newstyle negotiation, then transmission with simple replies. Buffers are allocated
 * once per connection and reused, so serving a request allocates nothing.
 */
final class NbdConnection implements Runnable {
    private final SocketChannel channel;
    private final NbdExports exports;
    private final NbdCounters counters;
    private final ByteBuffer header = ByteBuffer.allocateDirect(28);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(16);
    private final ByteBuffer small = ByteBuffer.allocateDirect(MAX_OPTION);
    private ByteBuffer data = ByteBuffer.allocateDirect(1 << 20);
    private final ByteBuffer[] replyAndData = new ByteBuffer[2];
    private boolean noZeroes;

    NbdConnection(SocketChannel channel, NbdExports exports, NbdCounters counters) {
        this.channel = channel;
        this.exports = exports;
        this.counters = counters;
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

    private void transmit(NbdExports.Export export) throws IOException {
        BlockDevice device = export.device();
        while (true) {
            readExactly(header.clear());
            if (header.getInt(0) != REQUEST_MAGIC) {
                throw new ProtocolException("bad request magic");
            }
            int flags = header.getShort(4) & 0xffff;
            int type = header.getShort(6) & 0xffff;
            long handle = header.getLong(8);
            long offset = header.getLong(16);
            long length = header.getInt(24) & 0xffffffffL;
            counters.requests.incrementAndGet();
            switch (type) {
                case CMD_READ -> read(device, handle, offset, length);
                case CMD_WRITE -> write(export, handle, flags, offset, length);
                case CMD_DISC -> {
                    device.flush();
                    return;
                }
                case CMD_FLUSH -> {
                    device.flush();
                    simpleReply(handle, 0);
                }
                case CMD_TRIM -> zeroOrTrim(export, handle, flags, offset, length, true);
                case CMD_WRITE_ZEROES -> zeroOrTrim(export, handle, flags, offset, length, false);
                default -> refuse(handle, EINVAL);
            }
        }
    }

    private boolean outside(BlockDevice device, long offset, long length) {
        return offset < 0 || offset + length > device.size() || offset + length < 0;
    }

    private void read(BlockDevice device, long handle, long offset, long length) throws IOException {
        if (length > MAX_PAYLOAD || outside(device, offset, length)) {
            refuse(handle, EINVAL);
            return;
        }
        ByteBuffer buffer = payload((int) length);
        try {
            device.read(buffer, offset);
        } catch (IOException e) {
            refuse(handle, EIO);
            return;
        }
        counters.bytesRead.addAndGet(length);
        reply.clear().putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(handle).flip();
        buffer.flip();
        replyAndData[0] = reply;
        replyAndData[1] = buffer;
        while (reply.hasRemaining() || buffer.hasRemaining()) {
            channel.write(replyAndData);
        }
    }

    private void write(NbdExports.Export export, long handle, int flags, long offset, long length) throws IOException {
        if (length > MAX_PAYLOAD) {
            // The payload cannot be skipped safely without reading it all; a client this far outside the
            // advertised maximum is disconnected.
            throw new ProtocolException("write of " + length + " bytes");
        }
        ByteBuffer buffer = readExactly(payload((int) length));
        BlockDevice device = export.device();
        if (export.readOnly()) {
            refuse(handle, EPERM);
            return;
        }
        if (outside(device, offset, length)) {
            refuse(handle, ENOSPC);
            return;
        }
        try {
            device.write(buffer, offset);
            if ((flags & CMD_FLAG_FUA) != 0) {
                device.flush();
            }
        } catch (IOException e) {
            refuse(handle, EIO);
            return;
        }
        counters.bytesWritten.addAndGet(length);
        simpleReply(handle, 0);
    }

    private void zeroOrTrim(NbdExports.Export export, long handle, int flags, long offset, long length, boolean trim)
            throws IOException {
        BlockDevice device = export.device();
        if (export.readOnly()) {
            refuse(handle, EPERM);
            return;
        }
        if (outside(device, offset, length)) {
            refuse(handle, trim ? EINVAL : ENOSPC);
            return;
        }
        try {
            if (trim || (flags & CMD_FLAG_NO_HOLE) == 0) {
                device.discard(offset, length);
            } else {
                ByteBuffer zeros = payload((int) Math.min(length, data.capacity()));
                for (long done = 0; done < length; ) {
                    int n = (int) Math.min(length - done, zeros.capacity());
                    zeros.clear().limit(n);
                    for (int i = 0; i < n; i++) {
                        zeros.put(i, (byte) 0);
                    }
                    device.write(zeros, offset + done);
                    done += n;
                }
            }
            if ((flags & CMD_FLAG_FUA) != 0) {
                device.flush();
            }
        } catch (IOException e) {
            refuse(handle, EIO);
            return;
        }
        simpleReply(handle, 0);
    }

    private void refuse(long handle, int error) throws IOException {
        counters.refusedRequests.incrementAndGet();
        simpleReply(handle, error);
    }

    private void simpleReply(long handle, int error) throws IOException {
        reply.clear().putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).flip();
        writeFully(reply);
    }

    /** The connection's payload buffer, grown (rarely, up to 32 MiB) when a request needs more. */
    private ByteBuffer payload(int length) {
        if (data.capacity() < length) {
            data = ByteBuffer.allocateDirect(Math.max(length, Math.min(MAX_PAYLOAD, data.capacity() * 2)));
        }
        return data.clear().limit(length);
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
