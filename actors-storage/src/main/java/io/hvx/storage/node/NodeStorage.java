package io.hvx.storage.node;

import com.typesafe.config.Config;
import io.hvx.config.SettingsReader;
import io.hvx.storage.cache.CacheSettings;
import io.hvx.storage.cache.ChunkCache;
import io.hvx.storage.cache.ImageCache;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.nbd.NbdSettings;
import io.hvx.storage.nbd.StorageExports;
import io.hvx.storage.snapshot.SnapshotStore;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.store.StoreSettings;
import io.hvx.storage.volume.VolumeRegistry;
import io.hvx.storage.volume.VolumeSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;

/** Everything storage on one node: the store client, the chunk cache and its shard actors, snapshots, volumes, NBD. */
public final class NodeStorage implements AutoCloseable {
    private final StoreSettings settings;
    private final ImageStore store;
    private final ChunkCache cache;
    private final ImageCache imageCache;
    private final SnapshotStore snapshots;
    private final StorageExports exports;
    private final NbdServer nbd;
    private final VolumeRegistry volumes;

    private NodeStorage(StoreSettings settings, ImageStore store, ChunkCache cache, ImageCache imageCache,
            SnapshotStore snapshots, StorageExports exports, NbdServer nbd, VolumeRegistry volumes) {
        this.settings = settings;
        this.store = store;
        this.cache = cache;
        this.imageCache = imageCache;
        this.snapshots = snapshots;
        this.exports = exports;
        this.nbd = nbd;
        this.volumes = volumes;
    }

    /** The snapshot directory: hvx.storage.snapshots.path, or snapshots under the node's data directory. */
    public static Path snapshotPath(Config config) {
        SettingsReader section = SettingsReader.of(config, "hvx.storage.snapshots");
        return section.optionalString("path").isEmpty()
                ? SettingsReader.of(config, "hvx.node").path("data-dir").resolve("snapshots")
                : section.path("path");
    }

    /** A node's storage settings, read and checked once, before anything starts. */
    public record Settings(StoreSettings store, CacheSettings cache, NbdSettings nbd, List<VolumeSpec> volumes,
            Path snapshots, Path volumeDefinitions) {
        /** Reads hvx.storage.*; a bad value fails with a SettingsException naming the key. */
        public static Settings from(Config config) {
            return new Settings(StoreSettings.from(config), CacheSettings.from(config), NbdSettings.from(config),
                    VolumeSpec.from(config), snapshotPath(config),
                    SettingsReader.of(config, "hvx.node").path("data-dir").resolve("volumes"));
        }
    }

    /** Opens the store and cache, starts the cache shard actors and, when enabled, the NBD server. */
    public static NodeStorage start(ActorSystem<?> system, Settings nodeSettings) throws IOException {
        StoreSettings settings = nodeSettings.store();
        CacheSettings cacheSettings = nodeSettings.cache();
        NbdSettings nbdSettings = nodeSettings.nbd();
        ImageStore store = ImageStore.open(settings);
        ChunkCache cache = null;
        try {
            cache = new ChunkCache(cacheSettings.path(), cacheSettings.maxSize(), cacheSettings.shards(),
                    settings.chunkSize(), store);
            ImageCache imageCache;
            try {
                imageCache = ImageCache.start(system, cache, cacheSettings.persistEvery(), cacheSettings.peerTimeout(),
                        cacheSettings.holderRefresh());
            } catch (Exception e) {
                throw new StoreException("the image cache actors did not start: " + e.getMessage(), e);
            }
            SnapshotStore snapshots = new SnapshotStore(nodeSettings.snapshots());
            VolumeRegistry volumes = VolumeRegistry.open(nodeSettings.volumeDefinitions(), nodeSettings.volumes(),
                    store.backend());
            StorageExports exports = new StorageExports(store, imageCache, snapshots, cacheSettings.readAhead(), volumes);
            NbdServer nbd;
            try {
                nbd = nbdSettings.enabled() ? NbdServer.start(nbdSettings.host(), nbdSettings.port(), exports,
                        nbdSettings.maxInFlight()) : null;
            } catch (IOException | RuntimeException e) {
                exports.close();
                throw e;
            }
            return new NodeStorage(settings, store, cache, imageCache, snapshots, exports, nbd, volumes);
        } catch (IOException | RuntimeException e) {
            if (cache != null) {
                cache.close();
            }
            store.close();
            throw e;
        }
    }

    public ImageStore store() {
        return store;
    }

    public StoreSettings settings() {
        return settings;
    }

    public ImageCache imageCache() {
        return imageCache;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    /** The node's logical volumes (settings and run time), all exported read-write over NBD by name. */
    public VolumeRegistry volumes() {
        return volumes;
    }

    /** The NBD server's port, or -1 when it is off. */
    public int nbdPort() {
        return nbd == null ? -1 : nbd.port();
    }

    /** Cache and NBD counters by name. */
    public Map<String, Long> counters() {
        Map<String, Long> all = new LinkedHashMap<>(cache.counters().snapshot());
        if (nbd != null) {
            all.putAll(nbd.counters().snapshot());
        }
        return all;
    }

    @Override
    public void close() throws IOException {
        try {
            if (nbd != null) {
                nbd.close();
            }
            exports.close();
            cache.close();
        } finally {
            store.close();
        }
    }
}
