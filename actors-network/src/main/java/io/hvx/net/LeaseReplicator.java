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
 * Replicates DHCP leases: collects the leases this node's switch granted into a cluster-wide
 * last-writer-wins map, and installs every node's leases into this node's switch, so that DHCP and DNS
 * answer alike everywhere. Tells its parent the current leases.
 */
final class LeaseReplicator {
  static final Key<LWWMap<String, Lease>> LEASES = LWWMapKey.create("hvx-leases");
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);

  sealed interface Command {}

  /** Installs every known lease again (a network was just defined on this node). */
  enum Reapply implements Command {
    INSTANCE
  }

  private enum Poll implements Command {
    INSTANCE
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, Lease>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWMap<String, Lease>> response) implements Command {}

  private LeaseReplicator() {}

  static Behavior<Command> create(HSwitch hswitch, ActorRef<NetworkRegistry.Command> parent) {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, Lease>> replicator) -> Behaviors.withTimers(timers -> {
          SelfUniqueAddress self = DistributedData.get(context.getSystem()).selfUniqueAddress();
          replicator.subscribe(LEASES, Changed::new);
          timers.startTimerWithFixedDelay(Poll.INSTANCE, POLL);
          Map<String, Lease> known = new TreeMap<>();
          Map<String, Lease> applied = new TreeMap<>();
          return Behaviors.receive(Command.class)
              .onMessage(Changed.class, changed -> {
                if (changed.response() instanceof Replicator.Changed<LWWMap<String, Lease>> current) {
                  known.clear();
                  known.putAll(current.get(LEASES).getEntries());
                  apply(hswitch, known, applied);
                  parent.tell(new NetworkRegistry.LeasesKnown(List.copyOf(known.values())));
                }
                return Behaviors.same();
              })
              .onMessage(Reapply.class, reapply -> {
                applied.clear();
                apply(hswitch, known, applied);
                return Behaviors.same();
              })
              .onMessage(Written.class, written -> Behaviors.same())
              .onMessage(Poll.class, poll -> {
                List<Lease> granted = new ArrayList<>();
                hswitch.drainGrantedLeases(granted::add);
                for (Lease lease : granted) {
                  if (lease.equals(known.get(lease.key()))) {
                    continue;
                  }
                  known.put(lease.key(), lease);
                  applied.put(lease.key(), lease);
                  replicator.askUpdate(replyTo -> new Replicator.Update<>(LEASES, LWWMap.empty(),
                      new Replicator.WriteAll(WRITE_TIMEOUT), replyTo, map -> map.put(self, lease.key(), lease)),
                      Written::new);
                }
                if (!granted.isEmpty()) {
                  parent.tell(new NetworkRegistry.LeasesKnown(List.copyOf(known.values())));
                }
                return Behaviors.same();
              })
              .build();
        })));
  }

  private static void apply(HSwitch hswitch, Map<String, Lease> known, Map<String, Lease> applied) {
    for (Lease lease : known.values()) {
      if (!lease.equals(applied.get(lease.key()))) {
        hswitch.applyLease(lease.networkId(), MacAddress.parse(lease.mac()), Ipv4.parse(lease.address(), "lease"),
            lease.hostname());
        applied.put(lease.key(), lease);
      }
    }
  }
}
