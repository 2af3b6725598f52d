package io.hvx.net.switching;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.MessageHandler;

/**
 * The data-plane loop of one node's switch: applies control changes, then drains every local port's
 * ingress ring and every tunnel source into the {@link L2Switch}. Control changes are queued closures
 * so that the switch itself stays single-threaded.
 */
public final class SwitchAgent implements Agent {
  private static final int BATCH = 64;

  private final L2Switch core;
  private final EgressBackpressure backpressure = new EgressBackpressure();
  private final ManyToOneConcurrentArrayQueue<Consumer<SwitchAgent>> control =
      new ManyToOneConcurrentArrayQueue<>(1024);
  private final String name;
  private IngressRing[] rings = new IngressRing[0];
  private IngressSource[] sources = new IngressSource[0];
  private IngressRing current;
  private Doorbell doorbell = Doorbell.SILENT;
  private long now;
  private final MessageHandler ringHandler = this::onRingFrame;
  // Held in a field: a lambda capturing this, written in doWork, would be a new object on every call.
  private final Consumer<Consumer<SwitchAgent>> applyChange = change -> change.accept(this);

  public SwitchAgent(String name, L2Switch core) {
    this.name = name;
    this.core = core;
  }

  /** Runs {@code change} on the data-plane thread; the future completes after it ran. */
  public CompletableFuture<Void> submit(Consumer<SwitchAgent> change) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    boolean queued = control.offer(agent -> {
      try {
        change.accept(agent);
        done.complete(null);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    if (!queued) {
      done.completeExceptionally(new IllegalStateException("switch control queue full"));
    }
    doorbell.ring();
    return done;
  }

  /** Rings {@code bell} after queuing a control change; call before the thread starts. */
  public void wakeWith(Doorbell bell) {
    this.doorbell = bell;
  }

  /** Whether a control change or a local port's frame is queued; switch thread only. */
  public boolean hasQueuedInput() {
    if (!control.isEmpty()) {
      return true;
    }
    for (IngressRing ring : rings) {
      if (ring.ring().size() > 0) {
        return true;
      }
    }
    return false;
  }

  /** Adds a local port fed by {@code ring}; call only through {@link #submit}. */
  public void addLocalPort(IngressRing ring, FrameSink sink) {
    core.addPort(VPort.local(ring.portId(), ring.networkId(), sink));
    rings = Arrays.copyOf(rings, rings.length + 1);
    rings[rings.length - 1] = ring;
  }

  /** Adds a port without an ingress ring (a tunnel, fed by a source); call only through {@link #submit}. */
  public void addPort(VPort port) {
    core.addPort(port);
  }

  public void removePort(int portId) {
    core.removePort(portId);
    rings = Arrays.stream(rings).filter(r -> r.portId() != portId).toArray(IngressRing[]::new);
  }

  public void addSource(IngressSource source) {
    sources = Arrays.copyOf(sources, sources.length + 1);
    sources[sources.length - 1] = source;
  }

  public void removeSource(IngressSource source) {
    sources = Arrays.stream(sources).filter(s -> s != source).toArray(IngressSource[]::new);
  }

  /** The sinks holding a frame; sources of local frames read nothing while one does. */
  public EgressBackpressure backpressure() {
    return backpressure;
  }

  public L2Switch core() {
    return core;
  }

  @Override
  public int doWork() {
    int work = control.drain(applyChange);
    now = System.nanoTime();
    if (backpressure.holding()) {
      backpressure.clear(now);
    }
    for (IngressRing ring : rings) {
      current = ring;
      work += ring.ring().read(ringHandler, BATCH);
    }
    for (IngressSource source : sources) {
      work += source.poll(core, now);
    }
    return work;
  }

  private void onRingFrame(int type, MutableDirectBuffer buffer, int index, int length) {
    if (type == IngressRing.OFFLOADED_FRAME_MESSAGE) {
      core.onFrame(current.portId(), current.networkId(), buffer, index + Long.BYTES, length - Long.BYTES, now,
          buffer.getLong(index));
    } else {
      core.onFrame(current.portId(), current.networkId(), buffer, index, length, now);
    }
  }

  @Override
  public String roleName() {
    return name;
  }
}
