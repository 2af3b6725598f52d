package io.hvx.storage.cache;

import io.hvx.storage.store.ChunkId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The node's {@code images} actor: spawns one {@link CacheShardActor} per cache shard on the blocking
 * dispatcher (they do file and network I/O), wires read-ahead to them and misses to the same shards on
 * other nodes.
 */
public final class ImageCache {
    private final ChunkCache cache;
    private final List<ActorRef<CacheShardActor.Command>> shards;
    private final AtomicReferenceArray<List<ActorRef<CacheShardActor.Command>>> peers;
    private final AtomicReference<Map<String, ChunkFilter>> holders;

    private ImageCache(ChunkCache cache, List<ActorRef<CacheShardActor.Command>> shards,
            AtomicReferenceArray<List<ActorRef<CacheShardActor.Command>>> peers,
            AtomicReference<Map<String, ChunkFilter>> holders) {
        this.holders = holders;
        this.peers = peers;
        this.cache = cache;
        this.shards = shards;
    }

    /** As below, with the holder directory refreshed every second. */
    public static ImageCache start(ActorSystem<?> system, ChunkCache cache, Duration persistEvery, Duration peerTimeout)
            throws Exception {
        return start(system, cache, persistEvery, peerTimeout, Duration.ofSeconds(1));
    }

    /**
     * Starts the shard actors and the chunk-holder directory under a new system actor {@code images} and waits
     * until they exist; holderRefresh bounds how often this node republishes what its cache holds.
     */
    public static ImageCache start(ActorSystem<?> system, ChunkCache cache, Duration persistEvery, Duration peerTimeout,
            Duration holderRefresh) throws Exception {
        AtomicReference<Map<String, ChunkFilter>> directory = new AtomicReference<>(Map.of());
        AtomicReferenceArray<List<ActorRef<CacheShardActor.Command>>> peers =
                new AtomicReferenceArray<>(cache.shardCount());
        for (int i = 0; i < cache.shardCount(); i++) {
            peers.set(i, List.of());
        }
        CompletableFuture<List<ActorRef<CacheShardActor.Command>>> refs = new CompletableFuture<>();
        Behavior<Void> parent = Behaviors.setup(context -> {
            List<ActorRef<CacheShardActor.Command>> list = new ArrayList<>();
            for (int i = 0; i < cache.shardCount(); i++) {
                list.add(context.spawn(CacheShardActor.create(cache, i, persistEvery, peers), "cache-shard-" + i,
                        DispatcherSelector.blocking()));
            }
            context.spawn(ChunkHolders.create(cache, directory, holderRefresh), "chunk-holders");
            refs.complete(List.copyOf(list));
            return Behaviors.empty();
        });
        system.systemActorOf(parent, "images", Props.empty());
        ImageCache imageCache = new ImageCache(cache, refs.get(30, TimeUnit.SECONDS), peers, directory);
        cache.usePeers((id, dst, length) -> askPeers(system, cache.counters(), directory.get(),
                peers.get(cache.shardOf(id)), id, dst, length, peerTimeout));
        return imageCache;
    }

    /**
     * Asks the same shard on other nodes in turn. A node whose published filter rules the chunk out is skipped;
     * a node that has published nothing yet (just started) is still asked.
     */
    private static boolean askPeers(ActorSystem<?> system, CacheCounters counters, Map<String, ChunkFilter> holders,
            List<ActorRef<CacheShardActor.Command>> peers, ChunkId id, byte[] dst, int length, Duration timeout) {
        for (ActorRef<CacheShardActor.Command> peer : peers) {
            ChunkFilter filter = holders.get(peer.path().address().toString());
            if (filter != null && !filter.mightContain(id)) {
                counters.peersSkipped.increment();
                continue;
            }
            CompletionStage<CacheShardActor.ChunkReply> reply = AskPattern.ask(peer,
                    replyTo -> new CacheShardActor.GetChunk(id, replyTo), timeout, system.scheduler());
            try {
                CacheShardActor.ChunkReply r = reply.toCompletableFuture().get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
                if (r.data() != null && r.data().length == length) {
                    System.arraycopy(r.data(), 0, dst, 0, length);
                    return true;
                }
                counters.peerMisses.increment();
            } catch (Exception e) {
                counters.peerMisses.increment();
                // A slow or gone peer is skipped; the store still has the chunk.
            }
        }
        return false;
    }

    /** The filters of every node that has published one (this node's too), by cluster address. */
    public Map<String, ChunkFilter> holders() {
        return holders.get();
    }

    /** This node's cluster address, its key among {@link #holders()}. */
    public static String selfKey(ActorSystem<?> system) {
        return ChunkHolders.selfKey(system);
    }

    /** How many other nodes' copies of this shard are known. */
    public int peers(int shard) {
        return peers.get(shard).size();
    }

    public ChunkCache cache() {
        return cache;
    }

    /** Read-ahead that tells each chunk's shard actor, one message per shard per request. */
    public ReadAhead readAhead() {
        return (ids, lengths) -> {
            List<List<ChunkId>> byShard = new ArrayList<>();
            List<List<Integer>> lengthsByShard = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                byShard.add(new ArrayList<>());
                lengthsByShard.add(new ArrayList<>());
            }
            for (int i = 0; i < ids.size(); i++) {
                int s = cache.shardOf(ids.get(i));
                byShard.get(s).add(ids.get(i));
                lengthsByShard.get(s).add(lengths.get(i));
            }
            for (int s = 0; s < shards.size(); s++) {
                if (!byShard.get(s).isEmpty()) {
                    shards.get(s).tell(new CacheShardActor.Prefetch(byShard.get(s), lengthsByShard.get(s)));
                }
            }
        };
    }
}
