package io.hvx.net;

import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.DefinitionException;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.Lease;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.services.NetworkTable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The logical networks of the cluster, replicated to every node with Pekko Distributed Data (one
 * last-writer-wins map of definitions, one of DHCP leases), and installed into this node's hSwitch
 * whenever they change. Changes are validated against this node's replica; two nodes changing the
 * same network at the same moment resolve by last writer.
 */
public final class NetworkRegistry {
  public static final Key<LWWMap<String, NetworkDefinition>> NETWORKS = LWWMapKey.create("hvx-networks");
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);

  /** The protocol of the registry (local to its node: HTTP routes ask it). */
  public sealed interface Command {}

  /**
   * Changes network {@code name}: {@code change} gets the current definition (empty when there is
   * none) and returns the new one, or throws {@link DefinitionException}; null deletes the network.
   */
  public record Change(String name, Function<Optional<NetworkDefinition>, NetworkDefinition> change,
      ActorRef<Outcome> replyTo) implements Command {}

  public record GetNetworks(ActorRef<Networks> replyTo) implements Command {}

  /** The outcome of a {@link Change}. */
  public sealed interface Outcome {}

  /** The change is stored; {@code definition} is null after a delete. */
  public record Changed(NetworkDefinition definition) implements Outcome {}

  /** The change was refused: {@code notFound} when the network does not exist, otherwise a bad definition. */
  public record Refused(boolean notFound, String message) implements Outcome {}

  /** Every network and every lease known to this node. */
  public record Networks(List<NetworkDefinition> networks, List<Lease> leases) {}

  /** Thrown by a change function when the network it needs does not exist. */
  public static final class NoSuchNetwork extends RuntimeException {
    public NoSuchNetwork(String name) {
      super("no network '" + name + "' (see GET /hvx/networks)");
    }
  }

  /** The leases the lease replicator knows now. */
  record LeasesKnown(List<Lease> leases) implements Command {}

  private record NetworksChanged(Replicator.SubscribeResponse<LWWMap<String, NetworkDefinition>> response)
      implements Command {}


  private record Written(Replicator.UpdateResponse<LWWMap<String, NetworkDefinition>> response,
      UnconfirmedWrites.Put<NetworkDefinition> change, ActorRef<Outcome> replyTo) implements Command {}



  private final ActorContext<Command> context;
  private final HSwitch hswitch;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, NetworkDefinition>> networks;
  private final ActorRef<LeaseReplicator.Command> leases;
  private final SelfUniqueAddress self;
  private Map<String, NetworkDefinition> known = new TreeMap<>();
  // A create followed at once by a subnet must find the network even in a snapshot older than the create.
  private final UnconfirmedWrites<NetworkDefinition> pending = new UnconfirmedWrites<>();
  private final Map<String, NetworkDefinition> installed = new HashMap<>();
  private List<Lease> knownLeases = List.of();

  private NetworkRegistry(ActorContext<Command> context, HSwitch hswitch,
      ReplicatorMessageAdapter<Command, LWWMap<String, NetworkDefinition>> networks) {
    this.context = context;
    this.hswitch = hswitch;
    this.networks = networks;
    this.leases = context.spawn(LeaseReplicator.create(hswitch, context.getSelf()), "leases");
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
  }

  public static Behavior<Command> create(HSwitch hswitch) {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, NetworkDefinition>> networks) -> {
          networks.subscribe(NETWORKS, NetworksChanged::new);
          return new NetworkRegistry(context, hswitch, networks).behavior();
        }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Change.class, this::onChange)
        .onMessage(GetNetworks.class, get -> {
          get.replyTo().tell(new Networks(List.copyOf(known.values()), knownLeases));
          return Behaviors.same();
        })
        .onMessage(NetworksChanged.class, this::onNetworksChanged)
        .onMessage(LeasesKnown.class, known -> {
          knownLeases = known.leases();
          return Behaviors.same();
        })
        .onMessage(Written.class, this::onWritten)
        .build();
  }

  private Behavior<Command> onChange(Change change) {
    NetworkDefinition updated;
    try {
      updated = change.change().apply(Optional.ofNullable(known.get(change.name())));
    } catch (NoSuchNetwork e) {
      change.replyTo().tell(new Refused(true, e.getMessage()));
      return Behaviors.same();
    } catch (DefinitionException e) {
      change.replyTo().tell(new Refused(e.isNotFound(), e.getMessage()));
      return Behaviors.same();
    }
    if (updated != null) {
      for (NetworkDefinition other : known.values()) {
        if (!other.name().equals(updated.name()) && other.id() == updated.id()) {
          change.replyTo().tell(new Refused(false, "network id " + updated.id() + " is already used by network '"
              + other.name() + "': give another id"));
          return Behaviors.same();
        }
      }
    }
    // A local change on its way to the replicator; a null definition is a delete.
    var local = new UnconfirmedWrites.Put<>(change.name(), updated);
    pending.add(local);
    local.applyTo(known);
    install();
    networks.askUpdate(
        replyTo -> new Replicator.Update<>(NETWORKS, LWWMap.empty(), new Replicator.WriteMajority(WRITE_TIMEOUT), replyTo,
            map -> updated == null ? map.remove(self, change.name()) : map.put(self, change.name(), updated)),
        response -> new Written(response, local, change.replyTo()));
    return Behaviors.same();
  }

  private Behavior<Command> onWritten(Written written) {
    pending.confirmed(written.change());
    if (written.response() instanceof Replicator.UpdateTimeout<?>) {
      // Stored here and spreading by gossip; some node did not confirm within the timeout.
      context.getLog().info("network '{}' stored locally; not all nodes confirmed within {}", written.change().key(),
          WRITE_TIMEOUT);
    } else if (!(written.response() instanceof Replicator.UpdateSuccess<?>)) {
      written.replyTo().tell(new Refused(false, "the change could not be stored: " + written.response()));
      return Behaviors.same();
    }
    written.replyTo().tell(new Changed(written.change().value()));
    return Behaviors.same();
  }

  private Behavior<Command> onNetworksChanged(NetworksChanged changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, NetworkDefinition>> current) {
      known = new TreeMap<>(current.get(NETWORKS).getEntries());
      pending.applyTo(known);
      install();
    }
    return Behaviors.same();
  }

  /** Brings this node's switch in line with {@link #known}. */
  private void install() {
    for (var it = installed.entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      NetworkDefinition now = known.get(entry.getKey());
      if (now == null || now.id() != entry.getValue().id()) {
        hswitch.removeNetwork(entry.getValue().id());
        it.remove();
      }
    }
    for (NetworkDefinition definition : known.values()) {
      if (!definition.equals(installed.get(definition.name()))) {
        hswitch.define(NetworkTable.of(definition));
        installed.put(definition.name(), definition);
      }
    }
    leases.tell(LeaseReplicator.Reapply.INSTANCE);
  }
}
