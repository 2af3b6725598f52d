package io.hvx.storage.nbd;

import static io.hvx.storage.nbd.NbdProtocol.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several requests of one NBD connection in flight at once, against a device that shows what overlaps. */
class NbdPipelineTest {
    static final int SIZE = 1 << 20;
    final byte[] content = new byte[SIZE];
    final GateDevice device = new GateDevice(content);
    NbdServer server;

    {
        new Random(3).nextBytes(content);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    Client connect(int maxInFlight) throws IOException {
        server = NbdServer.start("127.0.0.1", 0, new MapExports().add("mem", device, false), maxInFlight);
        return new Client(server.port(), "mem");
    }

    @Test
    void shouldServePipelinedReadsOfOneConnectionAtOnce() throws Exception {
        // Each read waits until 8 reads are inside the device together; served one at a time, the first times out.
        device.readGate = new CountDownLatch(8);
        try (Client c = connect(16)) {
            for (int i = 0; i < 8; i++) {
                c.request(CMD_READ, 0, 1000 + i, i * 4096L, 4096);
            }
            c.flushOut();
            Map<Long, Integer> seen = new HashMap<>();
            for (int i = 0; i < 8; i++) {
                Reply r = c.reply(4096);
                assertEquals(0, r.error(), "read " + r.handle() + " failed: the reads did not overlap");
                seen.put(r.handle(), 1);
                int index = (int) (r.handle() - 1000);
                assertArrayEquals(slice(index * 4096, 4096), r.data());
            }
            assertEquals(8, seen.size());
            assertTrue(device.maxInside.get() >= 8, "at most " + device.maxInside.get() + " reads overlapped");
        }
    }

    @Test
    void shouldReplyOutOfOrderMatchedByHandle() throws Exception {
        // The read at offset 0 is held until the read at 64 KiB has been answered, so its reply comes second.
        device.holdOffsetZero = new CountDownLatch(1);
        try (Client c = connect(16)) {
            c.request(CMD_READ, 0, 7, 0, 512);
            c.request(CMD_READ, 0, 9, 65536, 512);
            c.flushOut();
            Reply first = c.reply(512);
            assertEquals(9, first.handle());
            assertArrayEquals(slice(65536, 512), first.data());
            device.holdOffsetZero.countDown();
            Reply second = c.reply(512);
            assertEquals(7, second.handle());
            assertArrayEquals(slice(0, 512), second.data());
        }
    }

    @Test
    void shouldFlushWritesCompletedBeforeTheFlush() throws Exception {
        try (Client c = connect(16)) {
            byte[] data = new byte[8192];
            new Random(5).nextBytes(data);
            for (int i = 0; i < 6; i++) {
                c.request(CMD_WRITE, 0, 50 + i, 100_000L + i * 8192L, 8192);
                c.out.write(data);
            }
            c.flushOut();
            for (int i = 0; i < 6; i++) {
                assertEquals(0, c.reply(0).error());
            }
            c.request(CMD_FLUSH, 0, 99, 0, 0);
            c.flushOut();
            Reply flush = c.reply(0);
            assertEquals(99, flush.handle());
            assertEquals(0, flush.error());
            assertEquals(List.of(6), device.writesAtFlush, "the flush ran after all six replied writes");
            for (int i = 0; i < 6; i++) {
                byte[] back = new byte[8192];
                System.arraycopy(content, 100_000 + i * 8192, back, 0, 8192);
                assertArrayEquals(data, back);
            }
        }
    }

    @Test
    void shouldAnswerRequestsInFlightBeforeADisconnectCloses() throws Exception {
        device.readDelayMillis = 150;
        try (Client c = connect(16)) {
            for (int i = 0; i < 4; i++) {
                c.request(CMD_READ, 0, 20 + i, i * 512L, 512);
            }
            c.request(CMD_DISC, 0, 0, 0, 0);
            c.flushOut();
            for (int i = 0; i < 4; i++) {
                Reply r = c.reply(512);
                assertEquals(0, r.error());
                assertArrayEquals(slice((int) (r.handle() - 20) * 512, 512), r.data());
            }
            assertEquals(-1, c.in.read(), "the server closes after the last reply");
            assertTrue(device.flushes.get() >= 1, "a disconnect flushes");
        }
    }

    @Test
    void shouldStopReadingRequestsAtTheInFlightBound() throws Exception {
        device.readDelayMillis = 60;
        try (Client c = connect(2)) {
            for (int i = 0; i < 8; i++) {
                c.request(CMD_READ, 0, i, i * 512L, 512);
            }
            c.flushOut();
            for (int i = 0; i < 8; i++) {
                assertEquals(0, c.reply(512).error());
            }
            assertEquals(2, device.maxInside.get(), "requests inside the device at once");
        }
    }

    @Test
    void shouldAnswerBadRequestsBetweenGoodOnesAndKeepServing() throws Exception {
        try (Client c = connect(4)) {
            c.request(CMD_READ, 0, 1, SIZE - 256, 512);
            c.request(42, 0, 2, 0, 0);
            c.request(CMD_READ, 0, 3, 0, 512);
            c.flushOut();
            Map<Long, Integer> errors = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                ByteBuffer h = ByteBuffer.wrap(c.in.readNBytes(16));
                assertEquals(SIMPLE_REPLY_MAGIC, h.getInt(0));
                errors.put(h.getLong(8), h.getInt(4));
                if (h.getInt(4) == 0) {
                    assertArrayEquals(slice(0, 512), c.in.readNBytes(512));
                }
            }
            assertEquals(Map.of(1L, EINVAL, 2L, EINVAL, 3L, 0), errors);
            assertEquals(2L, server.counters().snapshot().get("NBD_REFUSED_REQUESTS"));
        }
    }

    @Test
    void shouldOfferMultipleConnectionsForAWritableSharedDevice() throws Exception {
        try (Client c = connect(4)) {
            assertNotEquals(0, c.flags & TFLAG_CAN_MULTI_CONN, "flags " + Integer.toHexString(c.flags));
            assertEquals(0, c.flags & TFLAG_READ_ONLY);
        }
    }

    byte[] slice(int offset, int length) {
        byte[] b = new byte[length];
        System.arraycopy(content, offset, b, 0, length);
        return b;
    }

    record Reply(long handle, int error, byte[] data) {}

    /** A blocking NBD client that sends requests without waiting for replies (NBD_OPT_GO, simple replies). */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        int flags;

        Client(int port, String name) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16));
            assertEquals(NBDMAGIC, in.readLong());
            assertEquals(IHAVEOPT, in.readLong());
            in.readShort();
            out.writeInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            out.writeLong(IHAVEOPT);
            out.writeInt(OPT_GO);
            out.writeInt(4 + n.length + 2);
            out.writeInt(n.length);
            out.write(n);
            out.writeShort(0);
            out.flush();
            while (true) {
                assertEquals(REPLY_MAGIC, in.readLong());
                in.readInt();
                int type = in.readInt();
                byte[] body = in.readNBytes(in.readInt());
                if (type == REP_ACK) {
                    return;
                }
                assertTrue(type > 0, "option refused: " + Integer.toHexString(type));
                ByteBuffer b = ByteBuffer.wrap(body);
                if (type == REP_INFO && b.getShort(0) == INFO_EXPORT) {
                    flags = b.getShort(10) & 0xffff;
                }
            }
        }

        void request(int type, int cmdFlags, long handle, long offset, int length) throws IOException {
            out.writeInt(REQUEST_MAGIC);
            out.writeShort(cmdFlags);
            out.writeShort(type);
            out.writeLong(handle);
            out.writeLong(offset);
            out.writeInt(length);
        }

        void flushOut() throws IOException {
            out.flush();
        }

        /** Reads one simple reply; a successful one carries dataLength bytes (a read's). */
        Reply reply(int dataLength) throws IOException {
            int magic = in.readInt();
            assertEquals(SIMPLE_REPLY_MAGIC, magic);
            int error = in.readInt();
            long handle = in.readLong();
            byte[] data = error == 0 ? in.readNBytes(dataLength) : new byte[0];
            if (data.length != (error == 0 ? dataLength : 0)) {
                throw new EOFException("short read reply");
            }
            return new Reply(handle, error, data);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** An in-memory disk that can hold requests inside it, and counts how many are inside at once. */
    static final class GateDevice implements BlockDevice {
        final byte[] bytes;
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();
        final AtomicInteger completedWrites = new AtomicInteger();
        final AtomicInteger flushes = new AtomicInteger();
        final List<Integer> writesAtFlush = new CopyOnWriteArrayList<>();
        volatile CountDownLatch readGate;
        volatile CountDownLatch holdOffsetZero;
        volatile long readDelayMillis;

        GateDevice(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(ByteBuffer buffer, long offset) throws IOException {
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            try {
                CountDownLatch gate = readGate;
                if (gate != null) {
                    gate.countDown();
                    if (!gate.await(3, TimeUnit.SECONDS)) {
                        throw new IOException("the other reads never came in");
                    }
                }
                CountDownLatch hold = holdOffsetZero;
                if (hold != null && offset == 0 && !hold.await(5, TimeUnit.SECONDS)) {
                    throw new IOException("held read never released");
                }
                if (readDelayMillis > 0) {
                    Thread.sleep(readDelayMillis);
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            } finally {
                inside.decrementAndGet();
            }
            synchronized (this) {
                buffer.put(bytes, (int) offset, buffer.remaining());
            }
        }

        @Override
        public void write(ByteBuffer buffer, long offset) {
            synchronized (this) {
                buffer.get(bytes, (int) offset, buffer.remaining());
            }
            completedWrites.incrementAndGet();
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
            writesAtFlush.add(completedWrites.get());
        }

        @Override
        public void discard(long offset, long length) {
            synchronized (this) {
                java.util.Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
            }
        }

        @Override
        public Extent extentAt(long offset) {
            return new Extent(bytes.length - offset, false);
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void close() {}
    }
}
