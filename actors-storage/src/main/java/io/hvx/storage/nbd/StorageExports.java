package io.hvx.storage.nbd;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.cache.CachedImage;
import io.hvx.storage.cache.ImageCache;
import io.hvx.storage.snapshot.CowSnapshot;
import io.hvx.storage.snapshot.SnapshotStore;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.NoSuchImageException;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.volume.VolumeRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's exports: its logical volumes (read-write), every snapshot on the node (read-write, one open device shared by all connections) and
 * every stored image (read-only, read through the node cache). A snapshot's name wins over an image's.
 */
public final class StorageExports implements NbdExports, AutoCloseable {
    private final ImageStore store;
    private final ImageCache cache;
    private final SnapshotStore snapshots;
    private final int readAhead;
    private final Map<String, CowSnapshot> open = new HashMap<>();
    private final Map<String, Integer> users = new HashMap<>();
    private final VolumeRegistry volumes;

    public StorageExports(ImageStore store, ImageCache cache, SnapshotStore snapshots, int readAhead,
            VolumeRegistry volumes) {
        this.volumes = volumes;
        this.store = store;
        this.cache = cache;
        this.snapshots = snapshots;
        this.readAhead = readAhead;
    }

    @Override
    public List<String> names() throws IOException {
        List<String> names = new ArrayList<>(volumes.list().stream().map(VolumeRegistry.Info::name).toList());
        for (SnapshotStore.Info s : snapshots.list()) {
            names.add(s.name());
        }
        for (Manifest m : store.list()) {
            names.add(m.name());
        }
        return names;
    }

    @Override
    public Export open(String name) throws IOException {
        BlockDevice volume = volumes.attach(name);
        if (volume != null) {
            // The registry hands every connection the volume's one open device.
            return new Export(volume, false, () -> volumes.detach(name), true);
        }
        try {
            if (snapshots.contains(name)) {
                return new Export(attach(name), false, () -> detach(name), true);
            }
            Manifest m = store.manifest(name);
            return new Export(new CachedImage(m, cache.cache(), cache.readAhead(), readAhead), true, null);
        } catch (NoSuchImageException | io.hvx.storage.store.BadImageNameException e) {
            return null;
        } catch (StoreException e) {
            throw e;
        }
    }

    /**
     * The snapshot's one open device, shared by all its connections. It is opened (and its lock taken as
     * "NBD export") by the first connection and closed by the last, so a commit can run once clients disconnect.
     */
    private synchronized CowSnapshot attach(String name) throws IOException {
        CowSnapshot snap = open.get(name);
        if (snap == null) {
            snap = snapshots.open(name, "NBD export", store, cache.cache());
            open.put(name, snap);
        }
        users.merge(name, 1, Integer::sum);
        return snap;
    }

    private synchronized void detach(String name) throws IOException {
        if (users.merge(name, -1, Integer::sum) == 0) {
            users.remove(name);
            open.remove(name).close();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        for (CowSnapshot s : open.values()) {
            s.close();
        }
        open.clear();
        volumes.close();
    }
}
