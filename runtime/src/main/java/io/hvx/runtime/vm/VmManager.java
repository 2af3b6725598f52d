package io.hvx.runtime.vm;

import io.hvx.devices.serial.ByteSink;
import io.hvx.net.HSwitchActor;
import io.hvx.net.NetworkRegistry;
import io.hvx.storage.snapshot.SnapshotBusyException;
import io.hvx.storage.store.BadImageNameException;
import io.hvx.storage.store.ImageExistsException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * {@code vms}: this node's VMs, one {@code vm-<id>} child each, and the cluster's list of VMs, replicated with
 * Pekko Distributed Data (a last-writer-wins map of {@link VmSummary} by id; each node writes only its own VMs).
 * Requests name a VM by id or by name; one that runs on another node is answered with where it runs.
 */
public final class VmManager {
  public static final Key<LWWMap<String, VmSummary>> VMS = LWWMapKey.create("hvx-vms");

  public sealed interface Command {}

  /** Creates a VM from a validated spec with boot files, and starts it when {@code start}. */
  public record Create(VmSpec spec, boolean start, ActorRef<VmReply> replyTo) implements Command {}

  public record ListVms(ActorRef<List<VmSummary>> replyTo) implements Command {}

  public record Show(String vm, ActorRef<VmReply> replyTo) implements Command {}

  /** What to do with an existing VM. */
  public enum Action {
    start,
    pause,
    resume,
    stop
  }

  public record Act(String vm, Action action, ActorRef<VmReply> replyTo) implements Command {}

  public record Delete(String vm, ActorRef<VmReply> replyTo) implements Command {}

  /** Pushes a stopped VM's root disk as the new store image {@code image}. */
  public record Commit(String vm, String image, ActorRef<VmReply> replyTo) implements Command {}

  private record NetworksFound(Create create, VmSpec spec, String id, NetworkRegistry.Networks networks,
      Throwable failure) implements Command {}

  private record Committed(VmSummary vm, String image, Throwable failure, ActorRef<VmReply> replyTo)
      implements Command {}

  /** Answers the VM's console, or why there is none here. */
  public record Console(String vm, ActorRef<ConsoleFound> replyTo) implements Command {}

  /** The answer to {@link Console}: {@code console} null when {@code refusal} says why. */
  public record ConsoleFound(VmConsole console, VmReply.Rejected refusal) {}

  private record Changed(VmSummary summary) implements Command {}

  private record Replicated(Replicator.SubscribeResponse<LWWMap<String, VmSummary>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, VmSummary>> response) implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, VmSummary>> replicator;
  private final SelfUniqueAddress self;
  private final String nodeId;
  private final String nodeUrl;
  private final String selfAddress;
  private final Cluster cluster;
  private final Function<VmSpec, ByteSink> taps;
  private final Map<String, VmSummary> local = new TreeMap<>();
  private final Map<String, ActorRef<VmActor.Command>> actors = new HashMap<>();
  private final Map<String, VmConsole> consoles = new HashMap<>();
  /** Each local VM's NICs, whose DHCP leases end when the VM is deleted. */
  private final Map<String, List<VmNetwork.Nic>> nicsOf = new HashMap<>();
  private static final Duration NETWORKS_TIMEOUT = Duration.ofSeconds(10);
  private final VmDisks disks;
  private final VmNetwork network;
  private Map<String, VmSummary> replicated = Map.of();

  private VmManager(ActorContext<Command> context, ReplicatorMessageAdapter<Command, LWWMap<String, VmSummary>> replicator,
      String nodeId, String nodeUrl, Function<VmSpec, ByteSink> taps, VmDisks disks,
      VmNetwork network) {
    this.context = context;
    this.disks = disks;
    this.network = network;
    this.replicator = replicator;
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
    this.nodeId = nodeId;
    this.nodeUrl = nodeUrl;
    this.cluster = Cluster.get(context.getSystem());
    this.selfAddress = cluster.selfMember().address().toString();
    this.taps = taps;
  }

  /** {@code disks} holds the VMs' root disks (the node's storage), {@code network} what their NICs attach to. */
  public static Behavior<Command> create(String nodeId, String nodeUrl, VmDisks disks, VmNetwork network) {
    return create(nodeId, nodeUrl, spec -> null, disks, network);
  }

  /** {@code taps} gives a VM a second console sink on its vCPU thread (or null); tests inject device faults. */
  static Behavior<Command> create(String nodeId, String nodeUrl, Function<VmSpec, ByteSink> taps, VmDisks disks,
      VmNetwork network) {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, VmSummary>> replicator) -> {
          replicator.subscribe(VMS, Replicated::new);
          return new VmManager(context, replicator, nodeId, nodeUrl, taps, disks, network).behavior();
        }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Create.class, this::onCreate)
        .onMessage(ListVms.class, list -> {
          list.replyTo().tell(all());
          return Behaviors.same();
        })
        .onMessage(Show.class, show -> {
          show.replyTo().tell(find(show.vm()).<VmReply>map(VmReply.Accepted::new).orElseGet(() -> missing(show.vm())));
          return Behaviors.same();
        })
        .onMessage(Act.class, this::onAct)
        .onMessage(Delete.class, this::onDelete)
        .onMessage(NetworksFound.class, this::onNetworksFound)
        .onMessage(Commit.class, this::onCommit)
        .onMessage(Committed.class, this::onCommitted)
        .onMessage(Console.class, this::onConsole)
        .onMessage(Changed.class, changed -> {
          publish(changed.summary());
          return Behaviors.same();
        })
        .onMessage(Replicated.class, this::onReplicated)
        .onMessage(Written.class, written -> Behaviors.same())
        .onSignal(ChildFailed.class, failed -> {
          vmActorEnded(failed.getRef(), "the VM's actor failed: " + failed.getCause());
          return Behaviors.same();
        })
        .onSignal(Terminated.class, ended -> {
          vmActorEnded(ended.getRef(), "the VM's actor stopped");
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onCreate(Create create) {
    VmSpec spec = create.spec();
    String id = newId();
    String name = spec.name() == null ? "vm-" + id : spec.name();
    Optional<VmSummary> sameName = all().stream().filter(vm -> vm.name().equals(name)).findFirst();
    if (sameName.isPresent()) {
      create.replyTo().tell(VmReply.Rejected.conflict("a VM named '" + name + "' already exists on node '"
          + sameName.get().node() + "': choose another name or delete that VM"));
      return Behaviors.same();
    }
    VmSpec named;
    try {
      named = spec.withName(name).validate().withBootCmdline();
    } catch (VmSpecException e) {
      create.replyTo().tell(new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, e.getMessage(), null));
      return Behaviors.same();
    }
    if (named.nics().isEmpty()) {
      return define(create, named, id, List.of());
    }
    if (!network.present()) {
      create.replyTo().tell(new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, "this node runs no hSwitch"
          + " (hvx.network.enabled is off): a VM with NICs cannot be created here", null));
      return Behaviors.same();
    }
    context.ask(NetworkRegistry.Networks.class, network.registry(), NETWORKS_TIMEOUT, NetworkRegistry.GetNetworks::new,
        (found, failure) -> new NetworksFound(create, named, id, found, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onNetworksFound(NetworksFound found) {
    if (found.networks() == null) {
      found.create().replyTo().tell(VmReply.Rejected.conflict("the node's network registry did not answer: "
          + found.failure().getMessage()));
      return Behaviors.same();
    }
    List<VmNetwork.Nic> nics;
    try {
      nics = VmNetwork.resolve(found.id(), found.spec().nicSpecs(), found.networks().networks());
    } catch (VmSpecException e) {
      found.create().replyTo().tell(new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, e.getMessage(), null));
      return Behaviors.same();
    }
    return define(found.create(), found.spec(), found.id(), nics);
  }

  /** Makes the VM's root disk and its actor, once its definition and networks are known good. */
  private Behavior<Command> define(Create create, VmSpec spec, String id, List<VmNetwork.Nic> nics) {
    try {
      for (DiskSpec disk : spec.diskSpecs()) {
        disks.check(disk);
      }
      if (spec.image() != null) {
        disks.create(id, spec.image());
      }
    } catch (VmSpecException e) {
      create.replyTo().tell(new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, e.getMessage(), null));
      return Behaviors.same();
    } catch (IOException e) {
      create.replyTo().tell(VmReply.Rejected.conflict("the VM's disks could not be prepared: " + e.getMessage()));
      return Behaviors.same();
    }
    VmSummary summary = new VmSummary(id, spec.name(), nodeId, nodeUrl, selfAddress, VmState.created, spec.vcpus(),
        spec.memoryBytes(), spec.kernel().toString(), spec.initrd() == null ? null : spec.initrd().toString(),
        spec.cmdline(), spec.disks(), spec.nics(), spec.image(), null, null, 0, System.currentTimeMillis());
    VmConsole console = new VmConsole(new ConsoleRing(ConsoleRing.DEFAULT_CAPACITY, context.getExecutionContext()));
    ActorRef<VmSummary> listener = context.messageAdapter(VmSummary.class, Changed::new);
    // A failing VM actor stops (ChildFailed below records why); it never restarts into a half-built machine.
    ActorRef<VmActor.Command> actor = context.spawn(Behaviors.supervise(VmActor.create(summary, spec, listener, console,
        taps.apply(spec), disks, new VmActor.Nics(nics, network.hswitch()))).onFailure(SupervisorStrategy.stop()),
        "vm-" + id);
    context.watch(actor);
    actors.put(id, actor);
    nicsOf.put(id, nics);
    consoles.put(id, console);
    publish(summary);
    if (create.start()) {
      actor.tell(new VmActor.Start(create.replyTo()));
    } else {
      create.replyTo().tell(new VmReply.Accepted(summary));
    }
    return Behaviors.same();
  }

  /** The VM if this node runs it; otherwise tells {@code replyTo} where it is, or that there is none. */
  private Optional<VmSummary> own(String idOrName, ActorRef<VmReply> replyTo) {
    Optional<VmSummary> found = find(idOrName).filter(vm -> vm.node().equals(nodeId));
    if (found.isEmpty()) {
      replyTo.tell(missing(idOrName));
    }
    return found;
  }

  private Behavior<Command> onAct(Act act) {
    Optional<VmSummary> found = own(act.vm(), act.replyTo());
    if (found.isEmpty()) {
      return Behaviors.same();
    }
    ActorRef<VmActor.Command> actor = actors.get(found.get().id());
    if (actor == null) {
      act.replyTo().tell(VmReply.Rejected.conflict("VM '" + found.get().name() + "' failed in the node ("
          + found.get().reason() + "): delete it and create it again"));
      return Behaviors.same();
    }
    actor.tell(switch (act.action()) {
      case start -> new VmActor.Start(act.replyTo());
      case pause -> new VmActor.Pause(act.replyTo());
      case resume -> new VmActor.Resume(act.replyTo());
      case stop -> new VmActor.Stop(act.replyTo());
    });
    return Behaviors.same();
  }

  private Behavior<Command> onDelete(Delete delete) {
    Optional<VmSummary> found = own(delete.vm(), delete.replyTo());
    if (found.isEmpty()) {
      return Behaviors.same();
    }
    VmSummary vm = found.get();
    if (vm.state() == VmState.running || vm.state() == VmState.paused) {
      delete.replyTo().tell(VmReply.Rejected.conflict("VM '" + vm.name() + "' is " + vm.state()
          + ": stop it first (POST /hvx/vms/" + vm.id() + "/stop, or hvx vm stop " + vm.name() + ")"));
      return Behaviors.same();
    }
    ActorRef<VmActor.Command> actor = actors.remove(vm.id());
    if (actor != null) {
      context.unwatch(actor);
      context.stop(actor);
    }
    consoles.remove(vm.id());
    local.remove(vm.id());
    // Its MACs are never seen again (a VM made again under this name gets new ones), so its addresses go back
    // to the pool now rather than when their leases would run out.
    for (VmNetwork.Nic nic : nicsOf.getOrDefault(vm.id(), List.of())) {
      network.hswitch().tell(new HSwitchActor.ReleaseLease(nic.networkId(), nic.mac()));
    }
    nicsOf.remove(vm.id());
    try {
      disks.delete(vm.id());
    } catch (IOException e) {
      context.getLog().warn("VM {}: its root snapshot could not be removed: {}", vm.id(), e.getMessage());
    }
    replicator.askUpdate(replyTo -> new Replicator.Update<>(VMS, LWWMap.empty(), Replicator.writeLocal(), replyTo,
        map -> map.remove(self, vm.id())), Written::new);
    delete.replyTo().tell(new VmReply.Accepted(vm));
    return Behaviors.same();
  }

  private Behavior<Command> onCommit(Commit commit) {
    Optional<VmSummary> found = own(commit.vm(), commit.replyTo());
    if (found.isEmpty()) {
      return Behaviors.same();
    }
    VmSummary vm = found.get();
    if (vm.image() == null) {
      commit.replyTo().tell(new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, "VM '" + vm.name()
          + "' has no root disk from an image (create it with --image) to commit", null));
      return Behaviors.same();
    }
    if (vm.state() == VmState.running || vm.state() == VmState.paused) {
      commit.replyTo().tell(VmReply.Rejected.conflict("VM '" + vm.name() + "' is " + vm.state()
          + ": stop it before committing its disk (hvx vm stop " + vm.name() + ")"));
      return Behaviors.same();
    }
    // Pushing reads and hashes the changed chunks: off the actor's thread.
    CompletableFuture.runAsync(() -> {
      Throwable failure = null;
      try {
        disks.commit(vm.id(), commit.image());
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      context.getSelf().tell(new Committed(vm, commit.image(), failure, commit.replyTo()));
    }, context.getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
    return Behaviors.same();
  }

  private Behavior<Command> onCommitted(Committed done) {
    String name = done.vm().name();
    done.replyTo().tell(switch (done.failure()) {
      case null -> new VmReply.Accepted(done.vm());
      case ImageExistsException e -> VmReply.Rejected.conflict("an image '" + done.image() + "' already exists:"
          + " choose another name");
      case SnapshotBusyException e -> VmReply.Rejected.conflict("VM '" + name + "''s disk is in use: " + e.getMessage());
      case BadImageNameException e -> new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, "image name '" + done.image()
          + "': " + e.getMessage(), null);
      case VmSpecException e -> new VmReply.Rejected(VmReply.Problem.BAD_REQUEST, e.getMessage(), null);
      default -> VmReply.Rejected.conflict("committing VM '" + name + "' as '" + done.image() + "' failed: "
          + done.failure().getMessage());
    });
    return Behaviors.same();
  }

  private Behavior<Command> onConsole(Console request) {
    Optional<VmSummary> found = find(request.vm());
    VmConsole console = found.map(vm -> consoles.get(vm.id())).orElse(null);
    VmReply reply = console == null ? missing(request.vm()) : null;
    request.replyTo().tell(new ConsoleFound(console, (VmReply.Rejected) reply));
    return Behaviors.same();
  }

  private Behavior<Command> onReplicated(Replicated message) {
    if (message.response() instanceof Replicator.Changed<LWWMap<String, VmSummary>> changed) {
      replicated = new TreeMap<>(changed.get(VMS).getEntries());
    }
    return Behaviors.same();
  }

  private void vmActorEnded(ActorRef<?> ref, String reason) {
    actors.entrySet().stream().filter(entry -> entry.getValue().equals(ref)).map(Map.Entry::getKey).findFirst()
        .ifPresent(id -> {
          actors.remove(id);
          VmSummary last = local.get(id);
          context.getLog().warn("VM {} ended: {}", id, reason);
          if (last != null) {
            publish(last.with(VmState.failed, "host-error", reason, last.reboots()));
          }
        });
  }

  private void publish(VmSummary summary) {
    if (!actors.containsKey(summary.id()) && !local.containsKey(summary.id())) {
      return; // a late change from a VM deleted meanwhile
    }
    local.put(summary.id(), summary);
    replicator.askUpdate(replyTo -> new Replicator.Update<>(VMS, LWWMap.empty(), Replicator.writeLocal(), replyTo,
        map -> map.put(self, summary.id(), summary)), Written::new);
  }

  /**
   * Every VM in the cluster; this node's own from its actors (newest), the others' from the replica, less those of
   * nodes that are no longer members (their VMs ended with them).
   */
  private List<VmSummary> all() {
    Set<String> members = new HashSet<>();
    cluster.state().getMembers().forEach(member -> members.add(member.address().toString()));
    Map<String, VmSummary> merged = new TreeMap<>(replicated);
    merged.values().removeIf(vm -> vm.node().equals(nodeId) ? !local.containsKey(vm.id())
        : !members.contains(vm.nodeAddress()));
    merged.putAll(local);
    List<VmSummary> list = new ArrayList<>(merged.values());
    list.sort(Comparator.comparing(VmSummary::name).thenComparing(VmSummary::id));
    return list;
  }

  private Optional<VmSummary> find(String idOrName) {
    List<VmSummary> all = all();
    return all.stream().filter(vm -> vm.id().equals(idOrName)).findFirst()
        .or(() -> all.stream().filter(vm -> vm.name().equals(idOrName)).findFirst());
  }

  /** Not here: either on another node (say which) or nowhere. */
  private VmReply.Rejected missing(String idOrName) {
    Optional<VmSummary> found = find(idOrName);
    if (found.isPresent() && !found.get().node().equals(nodeId)) {
      VmSummary vm = found.get();
      return new VmReply.Rejected(VmReply.Problem.ELSEWHERE, "VM '" + vm.name() + "' runs on node '" + vm.node()
          + "': send the request to that node (" + vm.nodeUrl() + ")", vm);
    }
    return new VmReply.Rejected(VmReply.Problem.NOT_FOUND, "no VM '" + idOrName + "' in the cluster (see GET /hvx/vms"
        + " or hvx vm list)", null);
  }

  private static String newId() {
    byte[] bytes = new byte[4];
    ThreadLocalRandom.current().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
