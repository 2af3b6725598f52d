package io.hvx.net.tunnel;

import io.aeron.driver.DataPacketDispatcher;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.media.ReceiveChannelEndpoint;
import io.aeron.driver.media.SendChannelEndpoint;
import io.aeron.driver.media.UdpChannel;
import io.aeron.driver.media.UdpChannelTransport;
import io.hvx.net.switching.WakeDescriptors;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Makes a media driver report the UDP sockets it opens, so that the thread running the driver can wait
 * on them: a datagram then ends the wait at once instead of at its timeout. Aeron opens its sockets
 * itself and offers no way to wait on them; its endpoint suppliers (meant for such extensions) let the
 * endpoints register their socket's descriptor when they open it and unregister it before they close,
 * and skip a receive when the thread's last poll found their socket empty. Send endpoints also hand their
 * datagrams to the driver's {@link DatagramBatch} while the driver runs, so that a run's datagrams leave
 * with one system call per socket, and receive endpoints read theirs coalesced ({@link CoalescedReader}).
 */
final class WatchedEndpoints {
  private static final Method FD_VAL = fdValMethod();
  private static volatile boolean warned;

  private WatchedEndpoints() {}

  static MediaDriver.Context install(MediaDriver.Context context, WakeDescriptors watched, DatagramBatch batch) {
    return context
        .sendChannelEndpointSupplier((channel, status, ctx) -> new Send(channel, status, ctx, watched, batch))
        .receiveChannelEndpointSupplier((channel, dispatcher, status, ctx) ->
            new Receive(channel, dispatcher, status, ctx, watched));
  }

  /** The descriptor of {@code transport}'s receiving socket, or -1 when it has none or the JDK hides it. */
  static int descriptor(UdpChannelTransport transport) {
    return descriptor(transport.receiveDatagramChannel());
  }

  /** The descriptor of {@code channel}, or -1 when it is null or the JDK hides it. */
  static int descriptor(DatagramChannel channel) {
    if (channel == null || FD_VAL == null) {
      return -1;
    }
    try {
      return (int) FD_VAL.invoke(channel);
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnOnce(e.toString());
      return -1;
    }
  }

  private static Method fdValMethod() {
    try {
      Method method = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException | RuntimeException e) {
      warnOnce(e.toString());
      return null;
    }
  }

  private static void warnOnce(String cause) {
    if (!warned) {
      warned = true;
      System.err.println("hvx: cannot read the overlay sockets' descriptors (" + cause + "); the switch thread"
          + " will notice tunnel traffic only at the end of its waits. Start the JVM with"
          + " --add-opens java.base/sun.nio.ch=ALL-UNNAMED (the hvx launcher does).");
    }
  }

  /** One endpoint's socket in the watched set, from its opening to its closing. */
  private static final class Registration {
    private final WakeDescriptors watched;
    private int descriptor = -1;

    Registration(WakeDescriptors watched) {
      this.watched = watched;
    }

    /** Watches {@code transport}'s socket; returns its descriptor, or -1 when the JDK hides it. */
    int opened(UdpChannelTransport transport) {
      descriptor = descriptor(transport);
      if (descriptor >= 0) {
        watched.add(descriptor);
      }
      return descriptor;
    }

    /** Whether the polling thread's last poll found the socket empty: its receive can be skipped. */
    boolean quiet() {
      return descriptor >= 0 && watched.quiet(descriptor);
    }

    void closing() {
      if (descriptor >= 0) {
        watched.remove(descriptor);
        descriptor = -1;
      }
    }
  }

  private static final class Send extends SendChannelEndpoint {
    private final Registration registration;
    private final DatagramBatch batch;
    // The socket datagrams are batched for, or -1: Aeron's other sends (several destinations, multicast,
    // send timestamps written into the datagram) go their own way.
    private int batchedSocket = -1;

    Send(UdpChannel channel, AtomicCounter status, MediaDriver.Context context, WakeDescriptors watched,
        DatagramBatch batch) {
      super(channel, status, context);
      this.registration = new Registration(watched);
      this.batch = batch;
    }

    @Override
    public int send(ByteBuffer buffer) {
      if (batchedSocket >= 0) {
        int taken = batch.stage(batchedSocket, buffer);
        if (taken != DatagramBatch.NOT_BATCHING) {
          return taken;
        }
      }
      return super.send(buffer);
    }

    @Override
    public InetSocketAddress receive(ByteBuffer buffer) {
      return registration.quiet() ? null : super.receive(buffer);
    }

    @Override
    public void openChannel() {
      super.openChannel();
      registration.opened(this);
      boolean plain = !udpChannel.isMulticast() && !udpChannel.isMultiDestination()
          && !udpChannel.isChannelSendTimestampEnabled() && sendDatagramChannel != null
          && sendDatagramChannel.isConnected();
      batchedSocket = plain ? descriptor(sendDatagramChannel) : -1;
    }

    @Override
    public void close() {
      if (batchedSocket >= 0) {
        batch.closing(batchedSocket);
        batchedSocket = -1;
      }
      registration.closing();
      super.close();
    }
  }

  private static final class Receive extends ReceiveChannelEndpoint {
    private final Registration registration;
    // Reads the socket with UDP_GRO, many datagrams per system call; null where the descriptor is hidden.
    private CoalescedReader reader;

    Receive(UdpChannel channel, DataPacketDispatcher dispatcher, AtomicCounter status, MediaDriver.Context context,
        WakeDescriptors watched) {
      super(channel, dispatcher, status, context);
      this.registration = new Registration(watched);
    }

    @Override
    public InetSocketAddress receive(ByteBuffer buffer) {
      if (reader == null) {
        return registration.quiet() ? null : super.receive(buffer);
      }
      // Datagrams already read are given out whatever the last poll found.
      return !reader.holds() && registration.quiet() ? null : reader.receive(buffer);
    }

    @Override
    public void openChannel() {
      super.openChannel();
      int socket = registration.opened(this);
      if (socket >= 0 && !udpChannel.isMulticast()) {
        reader = new CoalescedReader(socket);
      }
    }

    @Override
    public void close() {
      registration.closing();
      super.close();
      if (reader != null) {
        reader.close();
        reader = null;
      }
    }
  }
}
