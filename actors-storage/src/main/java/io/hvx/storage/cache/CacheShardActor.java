package io.hvx.storage.cache;

import io.hvx.config.serialization.ClusterMessage;
import io.hvx.storage.store.ChunkId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * Owns one shard of the node's chunk cache (the chunk ids whose first byte falls in its range): runs
 * read-ahead fetches for it, answers other nodes asking for its chunks, saves its index periodically,
 * and keeps the list of the same shard on other nodes for misses to ask. Reads never pass through it.
 */
public final class CacheShardActor {
    private CacheShardActor() {}

    /** The shard's protocol. */
    public sealed interface Command {}

    /** Fetch these chunks into the cache (read-ahead); sent at most once per chunk a reader enters. */
    public record Prefetch(List<ChunkId> ids, List<Integer> lengths) implements Command {}

    /** From another node: send the chunk if it is cached here. Never starts a fetch. */
    public record GetChunk(ChunkId id, ActorRef<ChunkReply> replyTo) implements Command, ClusterMessage {}

    /** The answer to GetChunk; data is null when the chunk is not cached here. */
    public record ChunkReply(ChunkId id, byte[] data) implements ClusterMessage {}

    private record PeersChanged(Receptionist.Listing listing) implements Command {}

    private enum Persist implements Command { INSTANCE }

    static ServiceKey<Command> key(int shard) {
        return ServiceKey.create(Command.class, "hvx-cache-shard-" + shard);
    }

    /** peers.get(shard) is replaced whenever the same shard on other nodes comes or goes. */
    public static Behavior<Command> create(ChunkCache cache, int shard, Duration persistEvery,
            AtomicReferenceArray<List<ActorRef<Command>>> peers) {
        return Behaviors.setup(context -> {
            ActorRef<Receptionist.Listing> adapter = context.messageAdapter(Receptionist.Listing.class, PeersChanged::new);
            context.getSystem().receptionist().tell(Receptionist.register(key(shard), context.getSelf()));
            context.getSystem().receptionist().tell(Receptionist.subscribe(key(shard), adapter));
            return Behaviors.withTimers(timers -> {
                timers.startTimerWithFixedDelay(Persist.INSTANCE, persistEvery);
                return Behaviors.receive(Command.class)
                        .onMessage(Prefetch.class, p -> {
                            cache.prefetch(p.ids(), p.lengths());
                            return Behaviors.same();
                        })
                        .onMessage(GetChunk.class, g -> {
                            byte[] data = null;
                            try {
                                data = cache.peek(g.id());
                            } catch (IOException e) {
                                context.getLog().warn("cannot read cached chunk {} for a peer: {}", g.id(), e.getMessage());
                            }
                            cache.counters().peerRequestsServed.increment();
                            g.replyTo().tell(new ChunkReply(g.id(), data));
                            return Behaviors.same();
                        })
                        .onMessage(PeersChanged.class, c -> {
                            Set<ActorRef<Command>> all = c.listing().getServiceInstances(key(shard));
                            peers.set(shard, all.stream().filter(r -> !r.equals(context.getSelf()))
                                    .sorted((a, b) -> a.path().toString().compareTo(b.path().toString()))
                                    .collect(Collectors.toUnmodifiableList()));
                            return Behaviors.same();
                        })
                        .onMessage(Persist.class, p -> {
                            try {
                                cache.shard(shard).persist();
                            } catch (IOException e) {
                                context.getLog().warn("cannot save cache shard {} index: {}", shard, e.getMessage());
                            }
                            return Behaviors.same();
                        })
                        .build();
            });
        });
    }
}
