package io.hvx.storage.store;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Mark and sweep over the store: manifests are the roots, chunks no manifest names are removed. */
final class GarbageCollector {
    private final ImageStore store;

    GarbageCollector(ImageStore store) {
        this.store = store;
    }

    GcResult collect(Duration grace, Instant now) throws IOException {
        ObjectBackend backend = store.backend();
        Instant liveAfter = now.minus(store.leaseTimeout());
        for (ObjectBackend.StoredObject lease : backend.list(ImageStore.LEASES)) {
            if (lease.modified().isAfter(liveAfter)) {
                throw new PushInProgressException("a push is in progress (" + lease.key() + ", renewed at " + lease.modified()
                        + "); run gc when it has finished (leases older than " + store.leaseTimeout().toMinutes()
                        + " min are treated as crashed pushes)");
            }
        }
        List<Manifest> images = store.list();
        Set<ChunkId> referenced = new HashSet<>();
        for (Manifest m : images) {
            referenced.addAll(m.distinctChunks());
        }
        Instant oldEnough = now.minus(grace);
        long kept = 0;
        long removed = 0;
        long bytes = 0;
        long young = 0;
        for (ObjectBackend.StoredObject o : backend.list(ImageStore.CHUNKS)) {
            ChunkId id = ImageStore.idOf(o.key());
            if (id != null && referenced.contains(id)) {
                kept++;
            } else if (o.modified().isAfter(oldEnough)) {
                young++;
            } else {
                backend.delete(o.key());
                removed++;
                bytes += o.size();
            }
        }
        for (ObjectBackend.StoredObject lease : backend.list(ImageStore.LEASES)) {
            if (!lease.modified().isAfter(liveAfter)) {
                backend.delete(lease.key());
            }
        }
        int incomplete = backend.sweepIncomplete(oldEnough);
        return new GcResult(images.size(), kept, removed, bytes, young, incomplete);
    }
}
