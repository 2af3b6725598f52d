package io.hvx.storage.store;

import com.typesafe.config.Config;
import io.hvx.config.SettingsException;
import io.hvx.config.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;

/** Settings of the image store ({@code hvx.storage.store}), read and validated at once. */
public record StoreSettings(Backend backend, int chunkSize, Duration gcGrace, Duration leaseTimeout,
        int pushThreads, Path localPath, S3 s3) {

    /** Which backend holds the objects. */
    public enum Backend { LOCAL, S3 }

    /** The S3 section; strings are empty when not set; maxConcurrency bounds requests in flight. */
    public record S3(String endpoint, String region, String bucket, String prefix, String accessKey,
            String secretKey, boolean pathStyle, int maxConcurrency) {}

    /** Reads {@code hvx.storage.store}; a relative or empty local path lives under {@code hvx.node.data-dir}. */
    public static StoreSettings from(Config config) {
        SettingsReader store = SettingsReader.of(config, "hvx.storage.store");
        Path dataDir = SettingsReader.of(config, "hvx.node").path("data-dir");
        Backend backend = store.enumValue("backend", Backend.class);
        long chunk = store.bytes("chunk-size");
        if (Long.bitCount(chunk) != 1 || chunk < Manifest.MIN_CHUNK || chunk > Manifest.MAX_CHUNK) {
            throw new SettingsException(store.key("chunk-size"), "a power of two from 4KiB to 4MiB", chunk);
        }
        int threads = store.intInRange("push-threads", 0, 256);
        SettingsReader local = store.section("local");
        Path path = local.optionalString("path").isEmpty() ? dataDir.resolve("store") : local.path("path");
        SettingsReader s3 = store.section("s3");
        S3 s3Settings = new S3(s3.optionalString("endpoint"), s3.nonEmptyString("region"), s3.optionalString("bucket"),
                s3.optionalString("prefix"), s3.optionalString("access-key"), s3.optionalString("secret-key"),
                s3.bool("path-style"), s3.intInRange("max-concurrency", 1, 1024));
        if (backend == Backend.S3 && s3Settings.bucket().isEmpty()) {
            throw new SettingsException(s3.key("bucket"), "a bucket name when backend = s3", "");
        }
        if (!s3Settings.accessKey().isEmpty() && s3Settings.secretKey().isEmpty()) {
            throw new SettingsException(s3.key("secret-key"), "a secret key when access-key is set", "");
        }
        return new StoreSettings(backend, (int) chunk, store.positiveDuration("gc-grace"),
                store.positiveDuration("lease-timeout"),
                threads == 0 ? Runtime.getRuntime().availableProcessors() : threads, path, s3Settings);
    }

    /** How many backend requests a push or pull keeps in flight: max-concurrency for S3, push-threads locally. */
    public int requests() {
        return backend == Backend.S3 ? s3.maxConcurrency() : pushThreads;
    }

    /** Opens the configured backend. */
    public ObjectBackend openBackend() throws StoreException {
        return switch (backend) {
            case LOCAL -> new LocalBackend(localPath);
            case S3 -> S3Backend.open(s3);
        };
    }
}
