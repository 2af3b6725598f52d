package io.hvx.storage.cache;

import com.typesafe.config.Config;
import io.hvx.config.SettingsException;
import io.hvx.config.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;

/** Settings of the node's chunk cache ({@code hvx.storage.cache}). */
public record CacheSettings(Path path, long maxSize, int shards, int readAhead, Duration peerTimeout,
        Duration persistEvery, Duration holderRefresh) {

    public static CacheSettings from(Config config) {
        SettingsReader cache = SettingsReader.of(config, "hvx.storage.cache");
        Path dataDir = SettingsReader.of(config, "hvx.node").path("data-dir");
        long max = cache.bytes("max-size");
        if (max < (1 << 20)) {
            throw new SettingsException(cache.key("max-size"), "a size of at least 1MiB", max);
        }
        return new CacheSettings(
                cache.optionalString("path").isEmpty() ? dataDir.resolve("cache") : cache.path("path"),
                max, cache.intInRange("shards", 1, 256), cache.intInRange("read-ahead", 0, 1024),
                cache.positiveDuration("peer-timeout"), cache.positiveDuration("persist-every"),
                cache.positiveDuration("holder-refresh"));
    }
}
