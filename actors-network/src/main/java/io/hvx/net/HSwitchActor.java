package io.hvx.net;

import io.hvx.config.serialization.ClusterMessage;
import io.hvx.net.metrics.Counter;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Control of one node's hSwitch: attaches and detaches vPorts (one child actor per TAP vPort) and
 * keeps one tunnel per other node's switch, learned from the cluster: every switch registers with the
 * receptionist, greets each switch it sees with its node id and overlay endpoint, and drops the tunnel
 * when that switch leaves the listing (its node left or was downed).
 */
public final class HSwitchActor {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "hvx-hswitch");

  /** The protocol of the node's switch actor. */
  public sealed interface Command {}

  /** Creates TAP interface {@code interfaceName} as vPort {@code portId} of network {@code networkId}. */
  public record AttachTap(int portId, int networkId, String interfaceName, ActorRef<AttachResult> replyTo)
      implements Command {}

  /** Attaches a local device (a VM NIC) whose egress is {@code sink}; the reply carries its ingress ring. */
  public record AttachDevice(int portId, int networkId, FrameSink sink, ActorRef<AttachResult> replyTo)
      implements Command {}

  /** Detaches vPort {@code portId} (closing its TAP if it has one). */
  public record Detach(int portId) implements Command {}

  /** Asks for the current value of every counter of this node's switch. */
  public record GetCounters(ActorRef<CountersSnapshot> replyTo) implements Command {}

  /** Tells another node's switch where this node's overlay listens. */
  public record Hello(int nodeId, String endpoint, ActorRef<Command> from) implements Command, ClusterMessage {}

  /** The outcome of {@link AttachTap} or {@link AttachDevice}. */
  public sealed interface AttachResult {}

  /** The TAP vPort is attached under the interface name the kernel gave it. */
  public record Attached(int portId, String interfaceName) implements AttachResult {}

  /** The vPort could not be attached; {@code reason} says why. */
  public record AttachFailed(int portId, String reason) implements AttachResult {}

  /** The device vPort is attached; the device offers its frames to {@code ring}. */
  public record DeviceAttached(int portId, IngressRing ring) implements AttachResult {}

  /** Every counter of the switch at one moment. */
  public record CountersSnapshot(Map<Counter, Long> values) {}

  private record SwitchesChanged(Receptionist.Listing listing) implements Command {}

  private final ActorContext<Command> context;
  private final HSwitch hswitch;
  private final Map<Integer, ActorRef<VPortActor.Command>> tapPorts = new HashMap<>();
  private final Set<ActorRef<Command>> greeted = new HashSet<>();
  private final Map<ActorRef<Command>, Integer> peerNodes = new HashMap<>();

  private HSwitchActor(ActorContext<Command> context, HSwitch hswitch) {
    this.context = context;
    this.hswitch = hswitch;
  }

  public static Behavior<Command> create(HSwitch hswitch) {
    return Behaviors.setup(context -> {
      ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, SwitchesChanged::new);
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      context.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listings));
      return new HSwitchActor(context, hswitch).behavior();
    });
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(AttachTap.class, this::onAttachTap)
        .onMessage(AttachDevice.class, this::onAttachDevice)
        .onMessage(Detach.class, this::onDetach)
        .onMessage(GetCounters.class, this::onGetCounters)
        .onMessage(Hello.class, this::onHello)
        .onMessage(SwitchesChanged.class, this::onSwitchesChanged)
        .onSignal(PostStop.class, signal -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onAttachTap(AttachTap attach) {
    if (tapPorts.containsKey(attach.portId())) {
      attach.replyTo().tell(new AttachFailed(attach.portId(), "port " + attach.portId() + " is already attached"));
      return Behaviors.same();
    }
    ActorRef<VPortActor.Command> port = context.spawn(
        VPortActor.create(hswitch, attach.portId(), attach.networkId(), attach.interfaceName(), attach.replyTo()),
        "vport-" + attach.portId());
    tapPorts.put(attach.portId(), port);
    return Behaviors.same();
  }

  private Behavior<Command> onAttachDevice(AttachDevice attach) {
    try {
      IngressRing ring = hswitch.attachLocal(attach.portId(), attach.networkId(), attach.sink());
      attach.replyTo().tell(new DeviceAttached(attach.portId(), ring));
    } catch (RuntimeException e) {
      // A bad request (port id taken or out of range) must not stop the node's switch actor.
      attach.replyTo().tell(new AttachFailed(attach.portId(), e.getMessage()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDetach(Detach detach) {
    ActorRef<VPortActor.Command> port = tapPorts.remove(detach.portId());
    if (port != null) {
      context.stop(port);
    } else {
      try {
        hswitch.detach(detach.portId());
      } catch (RuntimeException e) {
        context.getLog().warn("detaching port {} failed: {}", detach.portId(), e.getMessage());
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onGetCounters(GetCounters get) {
    get.replyTo().tell(new CountersSnapshot(hswitch.counters().snapshot()));
    return Behaviors.same();
  }

  private Behavior<Command> onHello(Hello hello) {
    if (hello.from().equals(context.getSelf()) || hello.nodeId() == hswitch.nodeId()) {
      return Behaviors.same();
    }
    peerNodes.put(hello.from(), hello.nodeId());
    try {
      hswitch.addPeer(hello.nodeId(), hello.endpoint());
      context.getLog().info("tunnel to node {} at {} opened", hello.nodeId(), hello.endpoint());
    } catch (RuntimeException e) {
      context.getLog().warn("tunnel to node {} at {} could not be opened: {}", hello.nodeId(), hello.endpoint(),
          e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onSwitchesChanged(SwitchesChanged changed) {
    Set<ActorRef<Command>> present = changed.listing().getServiceInstances(KEY);
    for (ActorRef<Command> other : present) {
      if (!other.equals(context.getSelf()) && greeted.add(other)) {
        other.tell(new Hello(hswitch.nodeId(), hswitch.endpoint(), context.getSelf()));
      }
    }
    greeted.retainAll(present);
    for (var it = peerNodes.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      if (!present.contains(entry.getKey())) {
        it.remove();
        // A restarted node may already be back under a new reference with the same node id.
        if (!peerNodes.containsValue(entry.getValue())) {
          try {
            hswitch.removePeer(entry.getValue());
            context.getLog().info("tunnel to node {} closed: its switch left the cluster", entry.getValue());
          } catch (RuntimeException e) {
            context.getLog().warn("closing the tunnel to node {} failed: {}", entry.getValue(), e.getMessage());
          }
        }
      }
    }
    return Behaviors.same();
  }
}
