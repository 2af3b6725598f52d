package io.hvx.net;

import io.aeron.Aeron;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.Lease;
import io.hvx.net.services.LeaseListener;
import io.hvx.net.services.NetworkServices;
import io.hvx.net.services.Nic;
import io.hvx.net.services.NetworkTable;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.IngressRing;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.MacTable;
import io.hvx.net.switching.SwitchAgent;
import io.hvx.net.switching.SwitchErrors;
import io.hvx.net.switching.VPort;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import io.hvx.net.switching.WakeDescriptors;
import io.hvx.net.tap.TapPoller;
import io.hvx.net.tap.TapPort;
import io.hvx.net.tunnel.DriverDuty;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.net.tunnel.Overlay;
import io.hvx.net.tunnel.OverlaySettings;
import io.hvx.net.tunnel.TunnelSink;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * One node's hSwitch: the L2 switch core, its data-plane thread and its end of the encrypted overlay.
 * Methods here are the control plane (called by the switch actor or tests); they block until the
 * data-plane thread has applied the change.
 */
public final class HSwitch implements AutoCloseable {
  /** Local vPorts take ids below this, tunnel ports (one per peer node) ids from it up. */
  public static final int FIRST_TUNNEL_PORT = L2Switch.MAX_PORTS / 2;
  /**
   * The frugal switch thread's busy window: it yields until it has been without frames this long, so that
   * in a stream the next frame finds it awake instead of costing a wake-up.
   */
  static final long BUSY_NANOS = 300_000;
  private static final long CONTROL_TIMEOUT_SECONDS = 10;
  private static final int CLOSE_RETRY_MS = 5;

  private final int nodeId;
  private final String endpoint;
  private final Counters counters = new Counters();
  private final SwitchAgent agent;
  private final Overlay overlay;
  private final AgentRunner runner;
  private final TapPoller taps;
  private boolean closed;
  private final Map<Integer, TunnelSink> tunnels = new HashMap<>();
  private final Map<Integer, Integer> tunnelPorts = new HashMap<>();
  private final Map<Integer, String> peerEndpoints = new HashMap<>();
  private final ManyToOneConcurrentArrayQueue<Lease> grantedLeases = new ManyToOneConcurrentArrayQueue<>(4096);

  private HSwitch(int nodeId, Aeron aeron, IngressSource driverDuty, WakeDescriptors driverSockets,
      String listenEndpoint, PeerKeys keys, OverlaySettings settings, Duration macAge, long floodRate,
      IdleStrategy idle) {
    this.nodeId = nodeId;
    this.endpoint = listenEndpoint;
    L2Switch core = new L2Switch(new MacTable(4096, macAge.toNanos()), counters, floodRate);
    // A lease is granted at most once per DHCP request, not per frame: one small record each is fine.
    core.services(new NetworkServices(counters, core, (network, mac, address, hostname, remaining) ->
        grantedLeases.offer(new Lease(network, MacAddress.format(mac), Ipv4.format(address), hostname,
            Integer.toString(nodeId), remaining == LeaseListener.FOREVER ? Lease.NEVER
                : System.currentTimeMillis() + remaining / 1_000_000L))));
    this.agent = new SwitchAgent("hswitch-" + nodeId, core);
    this.overlay = new Overlay(nodeId, keys, aeron, listenEndpoint, settings, counters);
    overlay.backpressure(agent.backpressure());
    this.taps = new TapPoller(agent.backpressure(), agent::hasQueuedInput);
    agent.wakeWith(taps.doorbell());
    taps.wakeOn(driverSockets);
    // The TAPs first: their poll also tells whether the driver's sockets hold datagrams. Then the driver,
    // so that what the ports published this cycle leaves at once; then the overlay takes what arrived.
    agent.addSource(taps);
    if (driverDuty != null) {
      DriverDuty gated = new DriverDuty(driverDuty, taps::socketsReadable, driverSockets::forgetPolls);
      agent.addSource(gated);
      overlay.driverDuty(gated);
    }
    agent.addSource(overlay);
    if (idle instanceof WaitingBackoffIdleStrategy waiting) {
      waiting.waitWith(taps);
      waiting.quietWithout(() -> counters.get(Counter.SWITCH_RX_FRAMES));
    }
    this.runner = new AgentRunner(idle, new SwitchErrors("hswitch-" + nodeId, counters), null, agent);
  }

  /**
   * Starts the switch of node {@code nodeId}, receiving tunnel traffic on {@code listenEndpoint}
   * (host:port) through {@code aeron}.
   */
  public static HSwitch start(int nodeId, Aeron aeron, String listenEndpoint, PeerKeys keys) {
    return start(nodeId, aeron, listenEndpoint, keys, OverlaySettings.defaults(), Duration.ofMinutes(5));
  }

  public static HSwitch start(int nodeId, Aeron aeron, String listenEndpoint, PeerKeys keys,
      OverlaySettings settings, Duration macAge) {
    return start(nodeId, aeron, listenEndpoint, keys, settings, macAge, frugalIdleStrategy());
  }

  /**
   * Backs off to waits of up to 100 us, and to 10 ms after 50 ms without frames: little CPU when idle on
   * shared machines. A frame from a local TAP ends a wait at once, and so do a frame a VM NIC queued, a
   * control change (both ring the doorbell) and tunnel traffic when the switch thread runs the node's
   * driver ({@link EmbeddedAeron#launchInvoked}, as nodes do; with a driver thread of its own, waits last
   * 1 ms at most).
   */
  public static IdleStrategy frugalIdleStrategy() {
    return frugalIdleStrategy(Duration.ofNanos(WaitingBackoffIdleStrategy.DEEP_AFTER_NANOS));
  }

  /** {@link #frugalIdleStrategy()} with waits that deepen after {@code quietAfter} without frames. */
  public static IdleStrategy frugalIdleStrategy(Duration quietAfter) {
    return new WaitingBackoffIdleStrategy(100, 50, BUSY_NANOS, 1_000, 100_000, quietAfter.toNanos(),
        WaitingBackoffIdleStrategy.DEEP_WAIT_NANOS);
  }

  /** Starts a switch whose data-plane thread idles with {@code idle} (a spinning one for lowest latency). */
  public static HSwitch start(int nodeId, Aeron aeron, String listenEndpoint, PeerKeys keys,
      OverlaySettings settings, Duration macAge, IdleStrategy idle) {
    return start(nodeId, aeron, listenEndpoint, keys, settings, macAge, L2Switch.DEFAULT_FLOOD_RATE, idle);
  }

  /** Starts a switch that lets each local port flood {@code floodRate} frames per second at most. */
  public static HSwitch start(int nodeId, Aeron aeron, String listenEndpoint, PeerKeys keys,
      OverlaySettings settings, Duration macAge, long floodRate, IdleStrategy idle) {
    HSwitch hswitch = new HSwitch(nodeId, aeron, null, null, listenEndpoint, keys, settings, macAge, floodRate, idle);
    AgentRunner.startOnThread(hswitch.runner);
    return hswitch;
  }

  /**
   * Starts a switch whose data-plane thread also runs {@code aeron}'s driver when it was launched
   * without threads ({@link EmbeddedAeron#launchInvoked}); one switch per such driver. Idle, the thread
   * waits on the TAPs and the driver's sockets together.
   */
  public static HSwitch start(int nodeId, EmbeddedAeron aeron, String listenEndpoint, PeerKeys keys,
      OverlaySettings settings, Duration macAge, long floodRate, IdleStrategy idle) {
    HSwitch hswitch = new HSwitch(nodeId, aeron.aeron(), aeron.duty(), aeron.sockets(), listenEndpoint, keys,
        settings, macAge, floodRate, idle);
    aeron.countIn(hswitch.counters);
    AgentRunner.startOnThread(hswitch.runner);
    return hswitch;
  }

  public int nodeId() {
    return nodeId;
  }

  /** The host:port peers send this node's tunnel traffic to. */
  public String endpoint() {
    return endpoint;
  }

  public Counters counters() {
    return counters;
  }

  /**
   * Attaches a local vPort of network {@code networkId}; frames for it go to {@code sink}, frames from
   * it are offered to the returned ring.
   */
  public IngressRing attachLocal(int portId, int networkId, FrameSink sink) {
    if (portId < 0 || portId >= FIRST_TUNNEL_PORT) {
      throw new IllegalArgumentException("local port ids are 0.." + (FIRST_TUNNEL_PORT - 1) + ": " + portId);
    }
    IngressRing ring = new IngressRing(portId, networkId, 1 << 20, taps.doorbell());
    await(agent.submit(a -> a.addLocalPort(ring, sink)));
    return ring;
  }

  /**
   * Attaches TAP {@code port} as local vPort {@code portId} of network {@code networkId}: the switch thread
   * reads it (no reader thread) and writes frames for it.
   */
  public void attachTap(int portId, int networkId, TapPort port) {
    if (portId < 0 || portId >= FIRST_TUNNEL_PORT) {
      throw new IllegalArgumentException("local port ids are 0.." + (FIRST_TUNNEL_PORT - 1) + ": " + portId);
    }
    await(agent.submit(a -> {
      if (a.core().port(portId) != null) {
        throw new IllegalArgumentException("port " + portId + " is already attached");
      }
      taps.add(portId, networkId, port);
      a.addPort(VPort.local(portId, networkId, port));
    }));
  }

  /**
   * Attaches VM NIC {@code nic} as local vPort {@code portId}: its MAC is registered with the network's
   * DHCP (fixed address if it has one), DNS (its hostname) and router, as a TAP port's would be learned.
   */
  public IngressRing attachNic(int portId, Nic nic, FrameSink sink) {
    if (portId < 0 || portId >= FIRST_TUNNEL_PORT) {
      throw new IllegalArgumentException("local port ids are 0.." + (FIRST_TUNNEL_PORT - 1) + ": " + portId);
    }
    IngressRing ring = new IngressRing(portId, nic.networkId(), 1 << 20, taps.doorbell());
    await(agent.submit(a -> {
      if (a.core().port(portId) != null) {
        throw new IllegalArgumentException("port " + portId + " is already attached");
      }
      a.core().services().attachNic(nic);
      a.addLocalPort(ring, sink);
    }));
    return ring;
  }

  /** Detaches VM NIC port {@code portId} and forgets its MAC (releasing a fixed address). */
  public void detachNic(int portId, Nic nic) {
    await(agent.submit(a -> {
      a.removePort(portId);
      a.core().services().detachNic(nic.networkId(), nic.mac());
    }));
  }

  /** Ends the dynamic DHCP lease {@code mac} holds in network {@code networkId}, here and on every node. */
  public void releaseLease(int networkId, long mac) {
    await(agent.submit(a -> a.core().services().releaseLease(networkId, mac)));
  }

  /** How long the DHCP leases this node grants run unless renewed. */
  public void leaseTime(Duration time) {
    if (time.isNegative() || time.isZero()) {
      throw new IllegalArgumentException("lease time must be positive: " + time);
    }
    await(agent.submit(a -> a.core().services().leaseTime(time)));
  }

  /** Makes this node grant new DHCP addresses only from slice {@code index} of {@code count}. */
  public void dhcpSlice(int index, int count) {
    await(agent.submit(a -> a.core().services().dhcpSlice(index, count)));
  }

  /** Detaches local vPort {@code portId}; the switch thread no longer reads or writes its device after this. */
  public void detach(int portId) {
    await(agent.submit(a -> {
      a.removePort(portId);
      taps.remove(portId);
    }));
  }

  /** Installs or replaces the router, DHCP and DNS definition of one network on this node. */
  public void define(NetworkTable table) {
    await(agent.submit(a -> a.core().services().define(table)));
  }

  public void removeNetwork(int networkId) {
    await(agent.submit(a -> a.core().services().remove(networkId)));
  }

  /** Makes this node's DHCP and DNS servers know a lease some node granted, running until {@code expiresAt} (epoch ms). */
  public void applyLease(int networkId, long mac, int address, String hostname, long expiresAt) {
    long remainingNanos = expiresAt == Lease.NEVER ? LeaseListener.FOREVER
        : (expiresAt - System.currentTimeMillis()) * 1_000_000L;
    await(agent.submit(a -> a.core().services().applyLease(networkId, mac, address, hostname,
        remainingNanos == LeaseListener.FOREVER ? LeaseListener.FOREVER : System.nanoTime() + remainingNanos)));
  }

  /**
   * Returns the address of a lease that ended without renewal to this node's pool; {@code evenIfLive}
   * also when this node still counts it as running (the cluster dropped it).
   */
  public void expireLease(int networkId, long mac, int address, boolean evenIfLive) {
    await(agent.submit(a -> a.core().services().expireLease(networkId, mac, address, System.nanoTime(), evenIfLive)));
  }

  /** Hands every lease this node granted since the last call to {@code consumer}; control thread. */
  public int drainGrantedLeases(Consumer<Lease> consumer) {
    return grantedLeases.drain(consumer);
  }

  /** Opens the encrypted tunnel to node {@code peerId}, whose overlay listens on {@code endpoint}. */
  public synchronized void addPeer(int peerId, String endpoint) {
    String known = peerEndpoints.get(peerId);
    if (endpoint.equals(known)) {
      return;
    }
    if (known != null) {
      // The peer restarted and listens elsewhere now: replace the tunnel.
      removePeer(peerId);
    }
    peerEndpoints.put(peerId, endpoint);
    int portId = freeTunnelPort();
    TunnelSink sink = overlay.connect(peerId, endpoint);
    tunnels.put(peerId, sink);
    tunnelPorts.put(peerId, portId);
    await(agent.submit(a -> {
      a.addPort(VPort.tunnel(portId, sink));
      overlay.registerPeer(peerId, portId);
    }));
  }

  public synchronized void removePeer(int peerId) {
    TunnelSink sink = tunnels.remove(peerId);
    Integer portId = tunnelPorts.remove(peerId);
    peerEndpoints.remove(peerId);
    if (sink == null) {
      return;
    }
    await(agent.submit(a -> {
      overlay.unregisterPeer(peerId);
      a.removePort(portId);
    }));
    sink.close();
  }

  /** Node ids of the peers this switch has a tunnel to. */
  public synchronized java.util.Set<Integer> peers() {
    return java.util.Set.copyOf(tunnels.keySet());
  }

  public synchronized boolean isPeerConnected(int peerId) {
    TunnelSink sink = tunnels.get(peerId);
    return sink != null && sink.isConnected();
  }

  /** The overlay, for tests that craft their own messages. */
  public Overlay overlay() {
    return overlay;
  }

  private int freeTunnelPort() {
    for (int id = FIRST_TUNNEL_PORT; id < L2Switch.MAX_PORTS; id++) {
      if (!tunnelPorts.containsValue(id)) {
        return id;
      }
    }
    throw new IllegalStateException("no free tunnel port: " + (L2Switch.MAX_PORTS - FIRST_TUNNEL_PORT) + " peers");
  }

  private static void await(CompletableFuture<Void> change) {
    try {
      change.get(CONTROL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("switch data-plane thread did not apply a change within "
          + CONTROL_TIMEOUT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while changing the switch", e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // A waiting switch thread sees the stop only when its wait ends: ring it out of a long one.
    runner.close(CLOSE_RETRY_MS, thread -> taps.doorbell().ring());
    tunnels.values().forEach(TunnelSink::close);
    tunnels.clear();
    overlay.close();
    taps.close();
  }
}
