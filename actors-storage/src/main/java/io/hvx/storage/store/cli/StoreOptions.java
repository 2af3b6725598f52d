package io.hvx.storage.store.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.hvx.storage.snapshot.SnapshotStore;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.store.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the store is: hvx settings (reference.conf, --config FILE), or a directory given with --store. */
final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "settings file (HOCON) with hvx.storage.store")
    Path config;

    @Option(names = "--store", paramLabel = "DIR", description = "use a local store in DIR instead of the configured one")
    Path directory;

    @Option(names = "--snapshots", paramLabel = "DIR", description = "keep snapshots in DIR instead of the configured place")
    Path snapshotDirectory;

    Config load() throws StoreException {
        Config base = ConfigFactory.load();
        if (config != null) {
            if (!Files.isReadable(config)) {
                throw new StoreException("cannot read the settings file " + config);
            }
            base = ConfigFactory.parseFile(config.toFile()).withFallback(base).resolve();
        }
        if (directory != null) {
            base = base.withValue("hvx.storage.store.backend", ConfigValueFactory.fromAnyRef("local"))
                    .withValue("hvx.storage.store.local.path", ConfigValueFactory.fromAnyRef(directory.toString()));
        }
        if (snapshotDirectory != null) {
            base = base.withValue("hvx.storage.snapshots.path", ConfigValueFactory.fromAnyRef(snapshotDirectory.toString()));
        }
        return base;
    }

    /** The node's snapshot directory: hvx.storage.snapshots.path, or <data-dir>/snapshots. */
    SnapshotStore snapshots() throws StoreException {
        return new SnapshotStore(io.hvx.storage.node.NodeStorage.snapshotPath(load()));
    }

    ImageStore open() throws StoreException {
        return ImageStore.open(StoreSettings.from(load()));
    }
}
