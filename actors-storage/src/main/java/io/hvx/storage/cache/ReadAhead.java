package io.hvx.storage.cache;

import io.hvx.storage.store.ChunkId;
import java.util.List;

/** Receives the chunks a sequential reader will want next (the cache shard actors fetch them). */
@FunctionalInterface
public interface ReadAhead {
    ReadAhead NONE = (ids, lengths) -> {};

    void request(List<ChunkId> ids, List<Integer> lengths);
}
