package io.hvx.net;

import io.hvx.config.serialization.ClusterMessage;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.metrics.Counter;
import io.hvx.net.services.Nic;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import io.hvx.net.tap.NamespacePlacement;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Control of one node's hSwitch: attaches and detaches vPorts (one child actor per TAP vPort) and
 * keeps one tunnel per other node's switch, learned from the cluster: every switch registers with the
 * receptionist, greets each reachable switch it sees with its node id and overlay endpoint, and drops the
 * tunnel when that switch leaves the listing (its node left or was removed; unreachable is not enough) or,
 * for a switch that greeted this one before this node's listing showed it, when it terminates and its node
 * incarnation is no longer a member.
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

  /**
   * Attaches a VM NIC with MAC {@code mac} as vPort {@code portId} of network {@code networkId}; its
   * egress is {@code sink}, the reply ({@link DeviceAttached}) carries its ingress ring. DHCP gives it
   * {@code address} when not empty (the address its VM definition asks for), DNS names it
   * {@code hostname} when not empty, and the router reaches it like a TAP port.
   */
  public record AttachNic(int portId, int networkId, long mac, String address, String hostname, FrameSink sink,
      ActorRef<AttachResult> replyTo) implements Command {}

  /** {@link AttachNic}'s port id for "any free local port": the reply names the one taken. */
  public static final int ANY_PORT = -1;

  /** Detaches the VM NIC of vPort {@code portId}; a fixed address it had is released. */
  public record DetachNic(int portId) implements Command {}

  /** Ends, on every node, the DHCP lease that {@code mac} holds in network {@code networkId}: its VM is deleted. */
  public record ReleaseLease(int networkId, long mac) implements Command {}

  /** Detaches vPort {@code portId} (closing its TAP if it has one). */
  public record Detach(int portId) implements Command {}

  /** Asks for the current value of every counter of this node's switch. */
  public record GetCounters(ActorRef<CountersSnapshot> replyTo) implements Command {}

  /**
   * Creates TAP {@code interfaceName} as a new vPort of network {@code networkId} (named
   * {@code networkName}), moved into namespace {@code namespace} (empty: left here) with
   * {@code address}/{@code gateway} (optional). Remembered across restarts of the node.
   */
  public record AttachInterface(int networkId, String networkName, String interfaceName, String namespace,
      String address, String gateway, ActorRef<AttachResult> replyTo) implements Command {}

  /** Detaches the vPort of TAP {@code interfaceName} and forgets it. */
  public record DetachInterface(String interfaceName, ActorRef<Detached> replyTo) implements Command {}

  /** Whether {@link DetachInterface} found the interface. */
  public record Detached(boolean found) {}

  /** Asks for this node's attachments and tunnels. */
  public record ListPorts(ActorRef<Ports> replyTo) implements Command {}

  /** One attachment of this node. */
  public record PortInfo(int portId, int networkId, String network, String interfaceName, String mac,
      String namespace, String address, String gateway) {}

  /** This node's attachments and the overlay ids of the peers it has tunnels to. */
  public record Ports(int nodeId, String endpoint, List<PortInfo> ports, List<Integer> peers) {}

  /**
   * Tells another node's switch where this node's overlay listens; {@code incarnation} is the sender node's
   * cluster uid (0 outside a cluster), and {@code answer} asks for a Hello back even from a switch that has
   * greeted the sender already (the sender has no tunnel from it).
   */
  public record Hello(int nodeId, String endpoint, long incarnation, boolean answer, ActorRef<Command> from)
      implements Command, ClusterMessage {}

  /** One greeting switch: its node's overlay id and the cluster uid of that node's incarnation. */
  private record Peer(int nodeId, long incarnation) {}

  /** The outcome of {@link AttachTap} or {@link AttachDevice}. */
  public sealed interface AttachResult {}

  /** The TAP vPort is attached under the interface name the kernel gave it. */
  public record Attached(int portId, String interfaceName, String mac) implements AttachResult {}

  /** The vPort could not be attached; {@code reason} says why. */
  public record AttachFailed(int portId, String reason) implements AttachResult {}

  /** The device vPort is attached; the device offers its frames to {@code ring}. */
  public record DeviceAttached(int portId, IngressRing ring) implements AttachResult {}

  /** Every counter of the switch at one moment. */
  public record CountersSnapshot(Map<Counter, Long> values) {}

  private record SwitchesChanged(Receptionist.Listing listing) implements Command {}

  private record PortReport(AttachResult result) implements Command {}

  private final ActorContext<Command> context;
  private final HSwitch hswitch;
  private final Map<Integer, ActorRef<VPortActor.Command>> tapPorts = new HashMap<>();
  private final Set<ActorRef<Command>> greeted = new HashSet<>();
  private final Set<Integer> devicePorts = new HashSet<>();
  private final Map<Integer, Nic> nicPorts = new HashMap<>();
  private final Map<ActorRef<Command>, Peer> peerNodes = new HashMap<>();
  // Null outside a cluster (tests on a local actor system).
  private final Cluster cluster;
  // The switches of the last listing. This node's copy of the registry lags the others': a switch may greet
  // this one before it is listed here, and a listing without it is no sign that it left, only one that no
  // longer shows a switch it did show.
  private Set<ActorRef<Command>> listed = Set.of();
  private final AttachmentStore store;
  private final Map<Integer, PortInfo> attachments = new TreeMap<>();
  private final Map<Integer, ActorRef<AttachResult>> pendingReplies = new HashMap<>();
  private final ActorRef<AttachResult> reports;

  private HSwitchActor(ActorContext<Command> context, HSwitch hswitch, AttachmentStore store) {
    this.context = context;
    this.hswitch = hswitch;
    this.store = store;
    this.reports = context.messageAdapter(AttachResult.class, PortReport::new);
    this.cluster = context.getSystem().settings().classicSettings().ProviderClass().endsWith("ClusterActorRefProvider")
        ? Cluster.get(context.getSystem()) : null;
  }

  public static Behavior<Command> create(HSwitch hswitch) {
    return create(hswitch, null);
  }

  /** A switch actor that keeps its attachments in {@code attachmentsFile} (null: not kept) and restores them. */
  public static Behavior<Command> create(HSwitch hswitch, Path attachmentsFile) {
    return Behaviors.setup(context -> {
      ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, SwitchesChanged::new);
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      context.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listings));
      HSwitchActor actor = new HSwitchActor(context, hswitch, new AttachmentStore(attachmentsFile));
      actor.restore();
      return actor.behavior();
    });
  }

  private void restore() {
    for (PortInfo saved : store.load(context.getLog())) {
      ActorRef<AttachResult> log = context.getSystem().ignoreRef();
      startInterface(saved, log);
    }
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(AttachTap.class, this::onAttachTap)
        .onMessage(AttachDevice.class, this::onAttachDevice)
        .onMessage(AttachNic.class, this::onAttachNic)
        .onMessage(DetachNic.class, this::onDetachNic)
        .onMessage(ReleaseLease.class, this::onReleaseLease)
        .onMessage(Detach.class, this::onDetach)
        .onMessage(GetCounters.class, this::onGetCounters)
        .onMessage(AttachInterface.class, this::onAttachInterface)
        .onMessage(DetachInterface.class, this::onDetachInterface)
        .onMessage(ListPorts.class, this::onListPorts)
        .onMessage(PortReport.class, this::onPortReport)
        .onMessage(Hello.class, this::onHello)
        .onMessage(SwitchesChanged.class, this::onSwitchesChanged)
        .onSignal(Terminated.class, this::onPeerTerminated)
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

  private Behavior<Command> onAttachInterface(AttachInterface attach) {
    for (PortInfo existing : attachments.values()) {
      if (existing.interfaceName().equals(attach.interfaceName())) {
        attach.replyTo().tell(new AttachFailed(existing.portId(), "interface " + attach.interfaceName()
            + " is already attached to network '" + existing.network() + "'"));
        return Behaviors.same();
      }
    }
    int portId = freeLocalPort();
    if (portId < 0) {
      attach.replyTo().tell(new AttachFailed(-1, "all " + HSwitch.FIRST_TUNNEL_PORT + " local ports are in use"));
      return Behaviors.same();
    }
    startInterface(new PortInfo(portId, attach.networkId(), attach.networkName(), attach.interfaceName(), "",
        attach.namespace() == null ? "" : attach.namespace(), attach.address() == null ? "" : attach.address(),
        attach.gateway() == null ? "" : attach.gateway()), attach.replyTo());
    return Behaviors.same();
  }

  private void startInterface(PortInfo info, ActorRef<AttachResult> replyTo) {
    NamespacePlacement placement;
    try {
      placement = info.namespace().isEmpty() ? null
          : new NamespacePlacement(info.namespace(), info.address(), info.gateway());
    } catch (IllegalArgumentException e) {
      replyTo.tell(new AttachFailed(info.portId(), e.getMessage()));
      return;
    }
    int portId = info.portId() >= 0 && !attachments.containsKey(info.portId()) && !tapPorts.containsKey(info.portId())
        ? info.portId() : freeLocalPort();
    PortInfo placed = new PortInfo(portId, info.networkId(), info.network(), info.interfaceName(), info.mac(),
        info.namespace(), info.address(), info.gateway());
    attachments.put(portId, placed);
    pendingReplies.put(portId, replyTo);
    ActorRef<VPortActor.Command> port = context.spawn(
        VPortActor.create(hswitch, portId, info.networkId(), info.interfaceName(), info.mac(), placement, reports),
        "vport-" + portId);
    tapPorts.put(portId, port);
  }

  private Behavior<Command> onPortReport(PortReport report) {
    int portId = switch (report.result()) {
      case Attached attached -> attached.portId();
      case AttachFailed failed -> failed.portId();
      case DeviceAttached device -> device.portId();
    };
    ActorRef<AttachResult> replyTo = pendingReplies.remove(portId);
    if (report.result() instanceof Attached attached && attachments.containsKey(portId)) {
      // Kept so that a restarted node gives the port the same MAC: peers' ARP caches stay right.
      PortInfo info = attachments.get(portId);
      attachments.put(portId, new PortInfo(portId, info.networkId(), info.network(), info.interfaceName(),
          attached.mac(), info.namespace(), info.address(), info.gateway()));
    }
    if (report.result() instanceof AttachFailed failed) {
      attachments.remove(portId);
      tapPorts.remove(portId);
      context.getLog().warn("vPort {} not attached: {}", portId, failed.reason());
    }
    store.save(attachments.values(), context.getLog());
    if (replyTo != null) {
      replyTo.tell(report.result());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDetachInterface(DetachInterface detach) {
    for (PortInfo info : attachments.values()) {
      if (info.interfaceName().equals(detach.interfaceName())) {
        attachments.remove(info.portId());
        ActorRef<VPortActor.Command> port = tapPorts.remove(info.portId());
        if (port != null) {
          context.stop(port);
        }
        store.save(attachments.values(), context.getLog());
        detach.replyTo().tell(new Detached(true));
        return Behaviors.same();
      }
    }
    detach.replyTo().tell(new Detached(false));
    return Behaviors.same();
  }

  private Behavior<Command> onListPorts(ListPorts list) {
    List<Integer> peers = new ArrayList<>(hswitch.peers());
    java.util.Collections.sort(peers);
    list.replyTo().tell(new Ports(hswitch.nodeId(), hswitch.endpoint(), List.copyOf(attachments.values()), peers));
    return Behaviors.same();
  }

  private int freeLocalPort() {
    for (int id = 0; id < HSwitch.FIRST_TUNNEL_PORT; id++) {
      if (!tapPorts.containsKey(id) && !attachments.containsKey(id) && !devicePorts.contains(id)
          && !nicPorts.containsKey(id)) {
        return id;
      }
    }
    return -1;
  }

  private Behavior<Command> onAttachDevice(AttachDevice attach) {
    try {
      IngressRing ring = hswitch.attachLocal(attach.portId(), attach.networkId(), attach.sink());
      devicePorts.add(attach.portId());
      attach.replyTo().tell(new DeviceAttached(attach.portId(), ring));
    } catch (RuntimeException e) {
      // A bad request (port id taken or out of range) must not stop the node's switch actor.
      attach.replyTo().tell(new AttachFailed(attach.portId(), e.getMessage()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAttachNic(AttachNic request) {
    AttachNic attach = request;
    try {
      if (attach.portId() == ANY_PORT) {
        int free = freeLocalPort();
        if (free < 0) {
          throw new IllegalArgumentException("no free port on this node's hSwitch");
        }
        attach = new AttachNic(free, attach.networkId(), attach.mac(), attach.address(), attach.hostname(),
            attach.sink(), attach.replyTo());
      }
      if (tapPorts.containsKey(attach.portId()) || attachments.containsKey(attach.portId())) {
        throw new IllegalArgumentException("port " + attach.portId() + " is already attached");
      }
      if (attach.mac() == 0 || MacAddress.isGroup(attach.mac()) || (attach.mac() >>> 48) != 0) {
        throw new IllegalArgumentException("NIC MAC " + MacAddress.format(attach.mac()) + " is not a unicast MAC");
      }
      String hostname = attach.hostname() == null ? "" : attach.hostname().toLowerCase();
      if (!hostname.isEmpty() && !hostname.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException("NIC hostname '" + attach.hostname() + "' is not a DNS label");
      }
      int address = attach.address() == null || attach.address().isEmpty() ? 0
          : Ipv4.parse(attach.address(), "NIC address");
      Nic nic = new Nic(attach.networkId(), attach.mac(), address, hostname);
      IngressRing ring = hswitch.attachNic(attach.portId(), nic, attach.sink());
      nicPorts.put(attach.portId(), nic);
      attach.replyTo().tell(new DeviceAttached(attach.portId(), ring));
    } catch (RuntimeException e) {
      // A bad request (port taken, bad MAC or address) must not stop the node's switch actor.
      attach.replyTo().tell(new AttachFailed(attach.portId(), e.getMessage()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDetachNic(DetachNic detach) {
    Nic nic = nicPorts.remove(detach.portId());
    if (nic != null) {
      try {
        hswitch.detachNic(detach.portId(), nic);
      } catch (RuntimeException e) {
        context.getLog().warn("detaching NIC port {} failed: {}", detach.portId(), e.getMessage());
      }
    }
    return Behaviors.same();
  }

  private Behavior<Command> onReleaseLease(ReleaseLease release) {
    try {
      hswitch.releaseLease(release.networkId(), release.mac());
    } catch (RuntimeException e) {
      context.getLog().warn("releasing the lease of {} failed: {}", MacAddress.format(release.mac()), e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDetach(Detach detach) {
    if (nicPorts.containsKey(detach.portId())) {
      return onDetachNic(new DetachNic(detach.portId()));
    }
    ActorRef<VPortActor.Command> port = tapPorts.remove(detach.portId());
    if (port != null) {
      context.stop(port);
    } else {
      devicePorts.remove(detach.portId());
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
    if (peerNodes.put(hello.from(), new Peer(hello.nodeId(), hello.incarnation())) == null) {
      context.watch(hello.from());
    }
    // Answer a switch we have not greeted yet: a Hello of ours lost while a restarted peer's association
    // was being set up would otherwise leave the tunnel open in one direction only.
    if (greeted.add(hello.from()) || hello.answer()) {
      hello.from().tell(hello(false));
    }
    updateDhcpSlice();
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
    // Greet the reachable switches; keep the tunnels of unreachable ones until their node is removed (a
    // pause or a lossy minute must not tear down and rebuild tunnels), and greet those again once reachable.
    Set<ActorRef<Command>> reachable = changed.listing().getServiceInstances(KEY);
    Set<ActorRef<Command>> present = changed.listing().getAllServiceInstances(KEY);
    for (ActorRef<Command> other : reachable) {
      if (!other.equals(context.getSelf()) && greeted.add(other)) {
        other.tell(hello(!peerNodes.containsKey(other)));
      }
    }
    greeted.retainAll(reachable);
    for (ActorRef<Command> gone : listed) {
      if (!present.contains(gone)) {
        forget(gone, "its switch left the cluster");
      }
    }
    listed = Set.copyOf(present);
    updateDhcpSlice();
    return Behaviors.same();
  }

  private Hello hello(boolean answer) {
    long incarnation = cluster == null ? 0 : cluster.selfMember().uniqueAddress().longUid();
    return new Hello(hswitch.nodeId(), hswitch.endpoint(), incarnation, answer, context.getSelf());
  }

  private Behavior<Command> onPeerTerminated(Terminated terminated) {
    @SuppressWarnings("unchecked")
    ActorRef<Command> peer = (ActorRef<Command>) (ActorRef<?>) terminated.getRef();
    Peer known = peerNodes.get(peer);
    if (known != null && isLiveMember(known.incarnation())) {
      // A node restarted on the same host and port: Pekko reports its new switch terminated at once (and again
      // on every new watch) while the earlier incarnation is being removed. Its node is a member, so its
      // switch will be listed, and leaving the listing closes the tunnel; watching it again would only spin.
      context.getLog().info("tunnel to node {} kept: its switch was reported terminated, but its node is a member",
          known.nodeId());
      return Behaviors.same();
    }
    greeted.remove(peer);
    forget(peer, "its switch stopped");
    updateDhcpSlice();
    return Behaviors.same();
  }

  private boolean isLiveMember(long incarnation) {
    if (cluster == null || incarnation == 0) {
      return false;
    }
    for (Member member : cluster.state().getMembers()) {
      if (member.uniqueAddress().longUid() == incarnation) {
        MemberStatus status = member.status();
        return status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.joining();
      }
    }
    return false;
  }

  private void forget(ActorRef<Command> peer, String why) {
    Peer gone = peerNodes.remove(peer);
    if (gone == null) {
      return;
    }
    context.unwatch(peer);
    int nodeId = gone.nodeId();
    // A restarted node may already be back under a new reference with the same node id.
    if (peerNodes.values().stream().noneMatch(other -> other.nodeId() == nodeId)) {
      try {
        hswitch.removePeer(nodeId);
        context.getLog().info("tunnel to node {} closed: {}", nodeId, why);
      } catch (RuntimeException e) {
        context.getLog().warn("closing the tunnel to node {} failed: {}", nodeId, e.getMessage());
      }
    }
  }

  /**
   * Gives this node its own slice of every DHCP range: its rank among the switches it knows, so that
   * two nodes never grant one address in the moment before their leases have replicated.
   */
  private void updateDhcpSlice() {
    Set<Integer> nodes = new java.util.TreeSet<>();
    peerNodes.values().forEach(peer -> nodes.add(peer.nodeId()));
    nodes.add(hswitch.nodeId());
    int index = new ArrayList<>(nodes).indexOf(hswitch.nodeId());
    try {
      hswitch.dhcpSlice(index, nodes.size());
    } catch (RuntimeException e) {
      context.getLog().warn("DHCP slice {} of {} not applied: {}", index, nodes.size(), e.getMessage());
    }
  }
}
