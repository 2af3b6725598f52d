package io.hvx.storage.cache;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * The chunk-holder directory: publishes this node's {@link ChunkFilter} into a replicated map (Distributed
 * Data, key {@code hvx-chunk-holders}, one entry per node address) whenever its cache changed, at most once
 * per refresh, and keeps every node's filter in {@code directory} for the miss path to read without a message.
 */
final class ChunkHolders {
    static final Key<LWWMap<String, ChunkFilter>> HOLDERS = LWWMapKey.create("hvx-chunk-holders");

    sealed interface Command {}

    private enum Refresh implements Command {
        INSTANCE
    }

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, ChunkFilter>> response) implements Command {}

    private record Written(Replicator.UpdateResponse<LWWMap<String, ChunkFilter>> response) implements Command {}

    private ChunkHolders() {}

    /** This node's key in the map: its cluster address, as peers' actor references show it. */
    static String selfKey(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return Cluster.get(system).selfMember().address().toString();
    }

    static Behavior<Command> create(ChunkCache cache, AtomicReference<Map<String, ChunkFilter>> directory,
            Duration refresh) {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, ChunkFilter>> replicator) -> Behaviors.withTimers(timers -> {
                    SelfUniqueAddress self = DistributedData.get(context.getSystem()).selfUniqueAddress();
                    String key = selfKey(context.getSystem());
                    replicator.subscribe(HOLDERS, Changed::new);
                    timers.startTimerWithFixedDelay(Refresh.INSTANCE, Duration.ZERO, refresh);
                    long[] published = {-1};
                    return Behaviors.receive(Command.class)
                            .onMessage(Changed.class, changed -> {
                                if (changed.response() instanceof Replicator.Changed<LWWMap<String, ChunkFilter>> now) {
                                    directory.set(Map.copyOf(now.get(HOLDERS).getEntries()));
                                }
                                return Behaviors.same();
                            })
                            .onMessage(Refresh.class, tick -> {
                                long changes = cache.changes();
                                if (changes != published[0]) {
                                    published[0] = changes;
                                    ChunkFilter filter = cache.filter();
                                    replicator.askUpdate(replyTo -> new Replicator.Update<>(HOLDERS, LWWMap.empty(),
                                            Replicator.writeLocal(), replyTo, map -> map.put(self, key, filter)),
                                            Written::new);
                                }
                                return Behaviors.same();
                            })
                            .onMessage(Written.class, written -> Behaviors.same())
                            .build();
                })));
    }
}
