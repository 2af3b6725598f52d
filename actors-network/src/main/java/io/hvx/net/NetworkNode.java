package io.hvx.net;

import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.net.tunnel.OverlaySettings;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;
import org.agrona.concurrent.YieldingIdleStrategy;

/** The network side of one node: its embedded Aeron and its hSwitch, started and stopped together. */
public final class NetworkNode implements AutoCloseable {
  private final EmbeddedAeron aeron;
  private final HSwitch hswitch;
  private final NetworkSettings settings;
  private boolean closed;

  private NetworkNode(EmbeddedAeron aeron, HSwitch hswitch, NetworkSettings settings) {
    this.aeron = aeron;
    this.hswitch = hswitch;
    this.settings = settings;
  }

  /** Starts the switch of node {@code nodeName}; its overlay id is derived from the name. */
  public static NetworkNode start(NetworkSettings settings, String nodeName) {
    int port = settings.overlayPort() == 0 ? freeUdpPort(settings.overlayHost()) : settings.overlayPort();
    String endpoint = (settings.overlayHost().contains(":") ? "[" + settings.overlayHost() + "]" : settings.overlayHost())
        + ":" + port;
    boolean yield = settings.idle() == NetworkSettings.Idle.YIELD;
    // The switch thread runs the node's Aeron driver and waits on its sockets: one data-plane thread per
    // node, and tunnel traffic ends its waits at once (docs/benchmarks.md, "one thread per node").
    EmbeddedAeron aeron = EmbeddedAeron.launchInvoked();
    try {
      HSwitch hswitch = HSwitch.start(overlayId(nodeName), aeron, endpoint, new PeerKeys(settings.secret()),
          OverlaySettings.defaults().withMtu(settings.overlayMtu()).withReceiverWindow(settings.overlayWindow()),
          settings.macAge(), settings.floodRate(),
          yield ? new YieldingIdleStrategy() : HSwitch.frugalIdleStrategy(settings.quietAfter()));
      hswitch.leaseTime(settings.leaseTime());
      return new NetworkNode(aeron, hswitch, settings);
    } catch (RuntimeException e) {
      aeron.close();
      throw new IllegalStateException("the overlay could not listen on UDP " + endpoint + ": " + e.getMessage()
          + " (set hvx.network.overlay-host / overlay-port)", e);
    }
  }

  /** The overlay id of a node: stable across restarts, so that peers recognise it (sessions tell restarts apart). */
  public static int overlayId(String nodeName) {
    CRC32 crc = new CRC32();
    crc.update(nodeName.getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() & 0x7FFF_FFFF);
  }

  private static int freeUdpPort(String host) {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free UDP port on " + host + " for the overlay: " + e.getMessage()
          + " (set hvx.network.overlay-host to an address of this machine)", e);
    }
  }

  public HSwitch hswitch() {
    return hswitch;
  }

  /** The Aeron directories of crashed node processes that starting this node removed. */
  public List<File> staleDirectoriesRemoved() {
    return aeron.staleDirectoriesRemoved();
  }

  /** Where this node's Aeron driver keeps its files (tests check that closing removes it). */
  File aeronDirectory() {
    return new File(aeron.aeron().context().aeronDirectoryName());
  }

  public NetworkSettings settings() {
    return settings;
  }

  /**
   * Stops the switch and the driver (whose directory goes with it), once; a caller that comes while another
   * closes waits until it is done (a JVM shutdown hook must not return before the directory is gone).
   */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      hswitch.close();
      aeron.close();
    }
  }
}
