package io.hvx.storage.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** An NBD server (fixed newstyle) on one TCP address; each connection is served by its own thread. */
public final class NbdServer implements AutoCloseable {
    /** Requests served at once per connection unless told otherwise (hvx.storage.nbd.max-in-flight). */
    public static final int DEFAULT_MAX_IN_FLIGHT = 16;
    private final ServerSocketChannel server;
    private final NbdExports exports;
    private final NbdCounters counters = new NbdCounters();
    private final Thread acceptor;
    private final int maxInFlight;

    private NbdServer(ServerSocketChannel server, NbdExports exports, int maxInFlight) {
        this.server = server;
        this.exports = exports;
        this.maxInFlight = maxInFlight;
        this.acceptor = Thread.ofPlatform().daemon().name("nbd-accept").unstarted(this::accept);
    }

    /** Binds host:port (port 0: any free port) and starts accepting, with the default requests in flight. */
    public static NbdServer start(String host, int port, NbdExports exports) throws IOException {
        return start(host, port, exports, DEFAULT_MAX_IN_FLIGHT);
    }

    /** Binds host:port and starts accepting; each connection serves up to maxInFlight requests at once. */
    public static NbdServer start(String host, int port, NbdExports exports, int maxInFlight) throws IOException {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, not " + maxInFlight);
        }
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            channel.close();
            throw new IOException("NBD server cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + " (choose another with hvx.storage.nbd.port)", e);
        }
        NbdServer s = new NbdServer(channel, exports, maxInFlight);
        s.acceptor.start();
        return s;
    }

    public int port() {
        try {
            return ((InetSocketAddress) server.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    public NbdCounters counters() {
        return counters;
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Thread.ofPlatform().daemon().name("nbd-" + client.getRemoteAddress())
                        .start(new NbdConnection(client, exports, counters, maxInFlight));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                counters.protocolErrors.incrementAndGet();
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
