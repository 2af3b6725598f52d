package io.hvx.storage.cache;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The node cache's counters, named {@code CACHE_<WHAT>} as they appear on the node's HTTP endpoint. */
public final class CacheCounters {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder peerHits = new LongAdder();
    final LongAdder storeFetches = new LongAdder();
    final LongAdder bytesFetched = new LongAdder();
    final LongAdder corruptDropped = new LongAdder();
    final LongAdder raceRetries = new LongAdder();
    final LongAdder readAheads = new LongAdder();
    final LongAdder peerRequestsServed = new LongAdder();
    final LongAdder peerMisses = new LongAdder();
    final LongAdder peersSkipped = new LongAdder();

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("CACHE_HITS", hits.sum());
        m.put("CACHE_MISSES", misses.sum());
        m.put("CACHE_PEER_HITS", peerHits.sum());
        m.put("CACHE_STORE_FETCHES", storeFetches.sum());
        m.put("CACHE_BYTES_FETCHED", bytesFetched.sum());
        m.put("CACHE_CORRUPT_DROPPED", corruptDropped.sum());
        m.put("CACHE_RACE_RETRIES", raceRetries.sum());
        m.put("CACHE_READ_AHEADS", readAheads.sum());
        m.put("CACHE_PEER_REQUESTS_SERVED", peerRequestsServed.sum());
        // A peer asked that did not have the chunk (a Bloom false positive, or evicted since it published).
        m.put("CACHE_PEER_MISSES", peerMisses.sum());
        // Peers not asked because their published filter says they do not hold the chunk.
        m.put("CACHE_PEERS_SKIPPED", peersSkipped.sum());
        return m;
    }
}
