package io.hvx.storage.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** A minimal NBD client for benchmarks (fixed newstyle, NBD_OPT_GO, simple replies); the same for every server. */
final class NbdClient implements AutoCloseable {
    private final SocketChannel ch;
    private final ByteBuffer header = ByteBuffer.allocateDirect(28);
    private final ByteBuffer reply = ByteBuffer.allocateDirect(16);
    final long size;

    NbdClient(int port, String name) throws IOException {
        ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ByteBuffer hello = read(18);
        if (hello.getLong(0) != 0x4e42444d41474943L || hello.getLong(8) != 0x49484156454F5054L) {
            throw new IOException("not an NBD newstyle server");
        }
        write(ByteBuffer.allocate(4).putInt(3).flip());
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer go = ByteBuffer.allocate(16 + 4 + n.length + 2);
        go.putLong(0x49484156454F5054L).putInt(7).putInt(4 + n.length + 2).putInt(n.length).put(n).putShort((short) 0);
        write(go.flip());
        long exportSize = -1;
        while (true) {
            ByteBuffer h = read(20);
            int type = h.getInt(12);
            int len = h.getInt(16);
            ByteBuffer body = read(len);
            if (type == 1) {
                break;
            }
            if (type < 0) {
                throw new IOException("server refused export '" + name + "' (reply " + Integer.toHexString(type) + ")");
            }
            if (type == 3 && body.getShort(0) == 0) {
                exportSize = body.getLong(2);
            }
        }
        size = exportSize;
    }

    /** Reads dst.remaining() bytes at offset. */
    void read(ByteBuffer dst, long offset, long handle) throws IOException {
        header.clear().putInt(0x25609513).putShort((short) 0).putShort((short) 0).putLong(handle).putLong(offset)
                .putInt(dst.remaining()).flip();
        write(header);
        reply.clear();
        while (reply.hasRemaining()) {
            if (ch.read(reply) < 0) {
                throw new IOException("server closed");
            }
        }
        if (reply.getInt(4) != 0) {
            throw new IOException("read error " + reply.getInt(4));
        }
        while (dst.hasRemaining()) {
            if (ch.read(dst) < 0) {
                throw new IOException("server closed");
            }
        }
    }

    private ByteBuffer read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("server closed");
            }
        }
        return b.flip();
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        header.clear().putInt(0x25609513).putShort((short) 0).putShort((short) 2).putLong(0).putLong(0).putInt(0).flip();
        write(header);
        ch.close();
    }
}
