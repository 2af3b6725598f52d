package io.hvx.storage.volume;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.hvx.config.SettingsException;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ObjectBackend;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.store.ImageName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
            out.add(entry(entries.get(i), "hvx.storage.volumes[" + i + "]"));
        }
        return out;
    }

    /** One volume written as {name, layout, stripe-unit, members}; key names it in the error. */
    public static VolumeSpec entry(Config c, String key) {
        try {
            return of(c.getString("name"), c.hasPath("layout") ? c.getString("layout") : null,
                    c.hasPath("stripe-unit") ? c.getBytes("stripe-unit") : null, c.getStringList("members"));
        } catch (ConfigException | VolumeException e) {
            throw new SettingsException(key, "{name = ..., layout = concat|stripe, stripe-unit = 64KiB,"
                    + " members = [\"file:PATH:SIZE\", \"dev:PATH\", \"bucket:PREFIX:SIZE\"]}"
                    + (e instanceof VolumeException v ? " (" + v.getMessage() + ")" : ""), c.root().unwrapped());
        }
    }

    /**
     * A checked spec: a valid name, layout concat (default) or stripe, a stripe unit that is a power of two of
     * at least 512 (default 64 KiB), and one or more members of the three forms. Nothing is opened yet.
     */
    public static VolumeSpec of(String name, String layout, Long stripeUnit, List<String> members) throws VolumeException {
        try {
            ImageName.check(name);
        } catch (StoreException e) {
            throw new VolumeException(VolumeException.Kind.BAD, "volume name: " + e.getMessage());
        }
        LogicalVolume.Layout l;
        try {
            l = LogicalVolume.Layout.valueOf(layout == null ? "CONCAT" : layout.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': layout '" + layout
                    + "' is not concat or stripe");
        }
        long unit = stripeUnit == null ? 64 << 10 : stripeUnit;
        if (unit < 512 || Long.bitCount(unit) != 1) {
            throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': stripe unit " + unit
                    + " is not a power of two of at least 512");
        }
        if (members == null || members.isEmpty()) {
            throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "' needs at least one member");
        }
        VolumeSpec spec = new VolumeSpec(name, l, unit, List.copyOf(members));
        for (String member : members) {
            spec.member(member);
        }
        return spec;
    }

    /** The spec as the settings entry that {@link #entry} reads back. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("layout", layout.name().toLowerCase(Locale.ROOT));
        m.put("stripe-unit", stripeUnit);
        m.put("members", members);
        return m;
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

    /** One parsed member: its kind, the path or prefix, and the size (-1: the device's own). */
    private record Member(String kind, String where, long size) {}

    private Member member(String member) throws VolumeException {
        String[] parts = member.split(":", 2);
        if (parts.length != 2 || parts[1].isEmpty()) {
            throw bad(member);
        }
        switch (parts[0]) {
            case "dev" -> {
                return new Member("dev", parts[1], -1);
            }
            case "file", "bucket" -> {
                int colon = parts[1].lastIndexOf(':');
                if (colon <= 0) {
                    throw bad(member);
                }
                String where = parts[1].substring(0, colon);
                if (parts[0].equals("bucket") && (!where.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
                        || List.of(where.split("/")).stream().anyMatch(s -> s.equals(".") || s.equals("..")))) {
                    throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': bucket prefix '" + where
                            + "' may hold only letters, digits, '.', '_', '-' and '/' between them, and no . or .. part");
                }
                return new Member(parts[0], where, size(parts[1].substring(colon + 1)));
            }
            default -> throw bad(member);
        }
    }

    /** Where each member keeps its data ("file:/abs/path", "bucket:prefix"), to find two volumes sharing one. */
    List<String> places() throws VolumeException {
        List<String> out = new ArrayList<>();
        for (String text : members) {
            Member m = member(text);
            out.add(m.kind().equals("bucket") ? "bucket:" + m.where()
                    : "file:" + Path.of(m.where()).toAbsolutePath().normalize());
        }
        return out;
    }

    private BlockDevice openMember(String text, ObjectBackend backend) throws IOException {
        Member member = member(text);
        switch (member.kind()) {
            case "file" -> {
                Path path = Path.of(member.where());
                if (Files.exists(path)) {
                    RawImage raw = RawImage.open(path, false);
                    if (raw.size() != member.size()) {
                        raw.close();
                        throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': " + path + " holds "
                                + raw.size() + " bytes, the volume says " + member.size());
                    }
                    return raw;
                }
                Files.createDirectories(path.toAbsolutePath().getParent());
                return RawImage.create(path, member.size());
            }
            case "dev" -> {
                Path path = Path.of(member.where());
                if (!Files.exists(path)) {
                    throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': " + path
                            + " does not exist (dev: members must exist; file:PATH:SIZE creates one)");
                }
                RawImage raw = RawImage.open(path, false);
                if (raw.size() <= 0) {
                    raw.close();
                    throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name
                            + "': cannot tell the size of " + path);
                }
                return raw;
            }
            default -> {
                return new ObjectBlockDevice(new Unclosed(backend), "volumes/" + member.where(), member.size(),
                        OBJECT_SIZE);
            }
        }
    }

    /** A size as in the rest of hvx's settings: 512MiB, 10GiB, or bytes. */
    private long size(String text) throws VolumeException {
        try {
            long v = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("s", text)).getBytes("s");
            if (v > 0) {
                return v;
            }
        } catch (ConfigException e) {
            // reported below
        }
        throw new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': size '" + text
                + "' is not a size such as 512MiB");
    }

    private VolumeException bad(String member) {
        return new VolumeException(VolumeException.Kind.BAD, "volume '" + name + "': member '" + member
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
