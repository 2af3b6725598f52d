package io.hvx.net;

import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.Lease;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Replicates DHCP leases: collects the leases this node's switch granted, renewed or released into a
 * cluster-wide last-writer-wins map, installs every node's leases into this node's switch, so that DHCP
 * and DNS answer alike everywhere, and returns ended leases to the pool. Tells its parent the current
 * leases.
 *
 * <p>An ended lease stays in the map for {@link #GRACE} with its end time (a released one ends at once),
 * so that every node sees it end, then any node removes it. Nodes compare end times with their own
 * wall clocks: skew between nodes shifts the end by that much.
 */
final class LeaseReplicator {
  static final Key<LWWMap<String, Lease>> LEASES = LWWMapKey.create("hvx-leases");
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  private static final long GRACE = Duration.ofSeconds(5).toMillis();

  sealed interface Command {}

  /** Installs every known lease again (a network was just defined on this node). */
  enum Reapply implements Command {
    INSTANCE
  }

  private enum Poll implements Command {
    INSTANCE
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, Lease>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, Lease>> response, PendingWrite write)
      implements Command {}

  /** A write of this node on its way to the replicator: {@code lease} stored, or removed when still stored. */
  private record PendingWrite(Lease lease, boolean removal) implements UnconfirmedWrites.Write<Lease> {
    @Override
    public void applyTo(Map<String, Lease> leases) {
      if (!removal) {
        leases.put(lease.key(), lease);
      } else if (lease.equals(leases.get(lease.key()))) {
        leases.remove(lease.key());
      }
    }
  }

  private final HSwitch hswitch;
  private final ActorRef<NetworkRegistry.Command> parent;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, Lease>> replicator;
  private final SelfUniqueAddress self;
  private final Map<String, Lease> known = new TreeMap<>();
  private final Map<String, Lease> applied = new TreeMap<>();
  // A lease just granted here must not look removed by another node in a snapshot older than the grant
  // (which would return its address to the pool).
  private final UnconfirmedWrites<Lease> pending = new UnconfirmedWrites<>();

  private LeaseReplicator(HSwitch hswitch, ActorRef<NetworkRegistry.Command> parent,
      ReplicatorMessageAdapter<Command, LWWMap<String, Lease>> replicator, SelfUniqueAddress self) {
    this.hswitch = hswitch;
    this.parent = parent;
    this.replicator = replicator;
    this.self = self;
  }

  static Behavior<Command> create(HSwitch hswitch, ActorRef<NetworkRegistry.Command> parent) {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, Lease>> replicator) -> Behaviors.withTimers(timers -> {
          replicator.subscribe(LEASES, Changed::new);
          timers.startTimerWithFixedDelay(Poll.INSTANCE, POLL);
          LeaseReplicator actor = new LeaseReplicator(hswitch, parent, replicator,
              DistributedData.get(context.getSystem()).selfUniqueAddress());
          return Behaviors.receive(Command.class)
              .onMessage(Changed.class, actor::onChanged)
              .onMessage(Reapply.class, reapply -> {
                actor.applied.clear();
                actor.apply();
                return Behaviors.same();
              })
              .onMessage(Written.class, written -> {
                actor.pending.confirmed(written.write());
                return Behaviors.same();
              })
              .onMessage(Poll.class, poll -> actor.onPoll())
              .build();
        })));
  }

  private Behavior<Command> onChanged(Changed changed) {
    if (changed.response() instanceof Replicator.Changed<LWWMap<String, Lease>> current) {
      known.clear();
      known.putAll(current.get(LEASES).getEntries());
      pending.applyTo(known);
      for (var it = applied.entrySet().iterator(); it.hasNext(); ) {
        Lease gone = it.next().getValue();
        if (!known.containsKey(gone.key())) {
          // Some node removed it after its grace: it ended (or was released) everywhere.
          it.remove();
          hswitch.expireLease(gone.networkId(), MacAddress.parse(gone.mac()), Ipv4.parse(gone.address(), "lease"), true);
        }
      }
      apply();
      parent.tell(new NetworkRegistry.LeasesKnown(List.copyOf(known.values())));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onPoll() {
    List<Lease> granted = new ArrayList<>();
    hswitch.drainGrantedLeases(granted::add);
    boolean changed = false;
    for (Lease lease : granted) {
      if (lease.equals(known.get(lease.key()))) {
        continue;
      }
      known.put(lease.key(), lease);
      applied.put(lease.key(), lease);
      update(new PendingWrite(lease, false));
      changed = true;
    }
    long now = System.currentTimeMillis();
    for (var it = known.values().iterator(); it.hasNext(); ) {
      Lease lease = it.next();
      if (!lease.endedAt(now)) {
        continue;
      }
      hswitch.expireLease(lease.networkId(), MacAddress.parse(lease.mac()), Ipv4.parse(lease.address(), "lease"), false);
      if (lease.expiresAt() + GRACE <= now) {
        it.remove();
        applied.remove(lease.key());
        update(new PendingWrite(lease, true));
        changed = true;
      }
    }
    if (changed) {
      parent.tell(new NetworkRegistry.LeasesKnown(List.copyOf(known.values())));
    }
    return Behaviors.same();
  }

  private void update(PendingWrite write) {
    pending.add(write);
    Lease lease = write.lease();
    replicator.askUpdate(replyTo -> new Replicator.Update<>(LEASES, LWWMap.empty(), new Replicator.WriteAll(WRITE_TIMEOUT),
        replyTo, map -> !write.removal() ? map.put(self, lease.key(), lease)
            : lease.equals(map.getEntries().get(lease.key())) ? map.remove(self, lease.key()) : map),
        response -> new Written(response, write));
  }

  private void apply() {
    for (Lease lease : known.values()) {
      if (!lease.equals(applied.get(lease.key()))) {
        hswitch.applyLease(lease.networkId(), MacAddress.parse(lease.mac()), Ipv4.parse(lease.address(), "lease"),
            lease.hostname(), lease.expiresAt());
        applied.put(lease.key(), lease);
      }
    }
  }
}
