package io.hvx.storage.volume;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.hvx.config.SettingsException;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ObjectBackend;
import io.hvx.storage.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One volume from {@code hvx.storage.volumes}: a name, a layout, a stripe unit and members written as
 * {@code file:PATH:SIZE} (a raw file, created sparse when missing), {@code dev:PATH} (a block device or
 * existing file, its own size) or {@code bucket:PREFIX:SIZE} (objects under PREFIX in the store's backend).
 */
public record VolumeSpec(String name, LogicalVolume.Layout layout, long stripeUnit, List<String> members) {
    static final int OBJECT_SIZE = 1 << 20;

    /** Reads every entry of {@code hvx.storage.volumes}; a bad entry is a SettingsException naming it. */
    public static List<VolumeSpec> from(Config config) {
        List<VolumeSpec> out = new ArrayList<>();
        if (!config.hasPath("hvx.storage.volumes")) {
            return out;
        }
        List<? extends Config> entries;
        try {
            entries = config.getConfigList("hvx.storage.volumes");
        } catch (ConfigException e) {
            throw new SettingsException("hvx.storage.volumes", "a list of {name, layout, stripe-unit, members}", null);
        }
        for (int i = 0; i < entries.size(); i++) {
            Config c = entries.get(i);
            String key = "hvx.storage.volumes[" + i + "]";
            try {
                LogicalVolume.Layout layout = LogicalVolume.Layout.valueOf(
                        c.hasPath("layout") ? c.getString("layout").toUpperCase(Locale.ROOT) : "CONCAT");
                long unit = c.hasPath("stripe-unit") ? c.getBytes("stripe-unit") : 64 << 10;
                List<String> members = c.getStringList("members");
                if (members.isEmpty()) {
                    throw new SettingsException(key + ".members", "at least one member", "[]");
                }
                out.add(new VolumeSpec(c.getString("name"), layout, unit, members));
            } catch (ConfigException | IllegalArgumentException e) {
                throw new SettingsException(key, "{name = ..., layout = concat|stripe, stripe-unit = 64KiB,"
                        + " members = [\"file:PATH:SIZE\", \"dev:PATH\", \"bucket:PREFIX:SIZE\"]}", c.root().unwrapped());
            }
        }
        return out;
    }

    /** Opens the members and builds the volume; bucket members use backend. */
    public LogicalVolume open(ObjectBackend backend) throws IOException {
        List<BlockDevice> devices = new ArrayList<>();
        try {
            for (String member : members) {
                devices.add(openMember(member, backend));
            }
            return new LogicalVolume(layout, devices, stripeUnit);
        } catch (IOException | RuntimeException e) {
            for (BlockDevice d : devices) {
                d.close();
            }
            throw e;
        }
    }

    private BlockDevice openMember(String member, ObjectBackend backend) throws IOException {
        String[] parts = member.split(":", 2);
        if (parts.length != 2) {
            throw bad(member);
        }
        switch (parts[0]) {
            case "file" -> {
                int colon = parts[1].lastIndexOf(':');
                if (colon <= 0) {
                    throw bad(member);
                }
                Path path = Path.of(parts[1].substring(0, colon));
                long size = size(parts[1].substring(colon + 1));
                if (Files.exists(path)) {
                    RawImage raw = RawImage.open(path, false);
                    if (raw.size() != size) {
                        raw.close();
                        throw new StoreException("volume '" + name + "': " + path + " holds " + raw.size()
                                + " bytes, the volume says " + size);
                    }
                    return raw;
                }
                Files.createDirectories(path.toAbsolutePath().getParent());
                return RawImage.create(path, size);
            }
            case "dev" -> {
                RawImage raw = RawImage.open(Path.of(parts[1]), false);
                if (raw.size() <= 0) {
                    raw.close();
                    throw new StoreException("volume '" + name + "': cannot tell the size of " + parts[1]);
                }
                return raw;
            }
            case "bucket" -> {
                int colon = parts[1].lastIndexOf(':');
                if (colon <= 0) {
                    throw bad(member);
                }
                long size = size(parts[1].substring(colon + 1));
                return new ObjectBlockDevice(new Unclosed(backend), "volumes/" + parts[1].substring(0, colon), size,
                        OBJECT_SIZE);
            }
            default -> throw bad(member);
        }
    }

    /** A size as in the rest of hvx's settings: 512MiB, 10GiB, or bytes. */
    private long size(String text) throws StoreException {
        try {
            long v = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("s", text)).getBytes("s");
            if (v > 0) {
                return v;
            }
        } catch (ConfigException e) {
            // reported below
        }
        throw new StoreException("volume '" + name + "': size '" + text + "' is not a size such as 512MiB");
    }

    private StoreException bad(String member) {
        return new StoreException("volume '" + name + "': member '" + member
                + "' is not file:PATH:SIZE, dev:PATH or bucket:PREFIX:SIZE");
    }

    /** The store's backend, shared: closing a volume must not close it. */
    private record Unclosed(ObjectBackend real) implements ObjectBackend {
        @Override
        public void put(String key, byte[] data) throws IOException {
            real.put(key, data);
        }

        @Override
        public byte[] get(String key) throws IOException {
            return real.get(key);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return real.exists(key);
        }

        @Override
        public List<StoredObject> list(String prefix) throws IOException {
            return real.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            real.delete(key);
        }

        @Override
        public int sweepIncomplete(java.time.Instant before) throws IOException {
            return real.sweepIncomplete(before);
        }

        @Override
        public String describe() {
            return real.describe();
        }

        @Override
        public void close() {}
    }
}
