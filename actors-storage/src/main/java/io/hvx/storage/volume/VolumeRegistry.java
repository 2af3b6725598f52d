package io.hvx.storage.volume;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.hvx.config.SettingsException;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.store.ObjectBackend;
import io.hvx.storage.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A node's open logical volumes: those declared in settings (fixed while the node runs) and those created
 * at run time, which are kept as one {@code <name>.conf} each in dir (written to a temporary file, then
 * renamed) and opened again when the node restarts. Removing a volume forgets its definition; its members'
 * data stays where it is.
 */
public final class VolumeRegistry implements AutoCloseable {
    static final String SUFFIX = ".conf";

    /** Where a volume's definition comes from. */
    public enum Source { SETTINGS, API }

    /** One volume as listed: its spec, size, where it is defined and how many NBD clients use it. */
    public record Info(String name, String layout, long stripeUnit, long size, List<String> members, Source source,
            int clients) {}

    private record Open(VolumeSpec spec, LogicalVolume device, Source source, int clients) {
        Open withClients(int n) {
            return new Open(spec, device, source, n);
        }
    }

    private final Path dir;
    private final ObjectBackend backend;
    private final Map<String, Open> volumes = new TreeMap<>();

    private VolumeRegistry(Path dir, ObjectBackend backend) {
        this.dir = dir;
        this.backend = backend;
    }

    /** Opens the volumes of settings, then those kept in dir; any that cannot open fails the whole start. */
    public static VolumeRegistry open(Path dir, List<VolumeSpec> fromSettings, ObjectBackend backend) throws IOException {
        VolumeRegistry registry = new VolumeRegistry(dir, backend);
        try {
            for (VolumeSpec spec : fromSettings) {
                registry.add(spec, Source.SETTINGS);
            }
            for (VolumeSpec spec : registry.kept()) {
                registry.add(spec, Source.API);
            }
            return registry;
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    private List<VolumeSpec> kept() throws IOException {
        List<VolumeSpec> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                try {
                    out.add(VolumeSpec.entry(ConfigFactory.parseFile(f.toFile()), f.toString()));
                } catch (ConfigException | SettingsException e) {
                    throw new StoreException("the volume definition " + f + " cannot be read (" + e.getMessage()
                            + "); repair or remove that file");
                }
            }
        }
        return out;
    }

    private void add(VolumeSpec spec, Source source) throws IOException {
        if (volumes.containsKey(spec.name())) {
            throw new VolumeException(VolumeException.Kind.EXISTS, "volume '" + spec.name() + "' exists already");
        }
        for (String place : spec.places()) {
            for (Open other : volumes.values()) {
                if (other.spec().places().contains(place)) {
                    throw new VolumeException(VolumeException.Kind.BAD, "volume '" + spec.name() + "': " + place
                            + " is already a member of volume '" + other.spec().name() + "'");
                }
            }
        }
        LogicalVolume device;
        try {
            device = spec.open(backend);
        } catch (VolumeException e) {
            throw e;
        } catch (IOException e) {
            throw new VolumeException(VolumeException.Kind.BAD, "volume '" + spec.name() + "': cannot open its members: "
                    + e.getMessage());
        }
        volumes.put(spec.name(), new Open(spec, device, source, 0));
    }

    /** Opens a new volume and keeps its definition; refused when the spec is bad, the name taken or a member shared. */
    public synchronized Info create(VolumeSpec spec) throws IOException {
        add(spec, Source.API);
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".new-", ".tmp");
            String text = ConfigValueFactory.fromMap(spec.toMap()).render(ConfigRenderOptions.concise()) + "\n";
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(temp, dir.resolve(spec.name() + SUFFIX), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            volumes.remove(spec.name()).device().close();
            throw new StoreException("volume '" + spec.name() + "' was not kept: " + e.getMessage(), e);
        }
        return info(volumes.get(spec.name()));
    }

    public synchronized List<Info> list() {
        return volumes.values().stream().map(VolumeRegistry::info).toList();
    }

    private static Info info(Open v) {
        return new Info(v.spec().name(), v.spec().layout().name().toLowerCase(java.util.Locale.ROOT), v.spec().stripeUnit(),
                v.device().size(), v.spec().members(), v.source(), v.clients());
    }

    /** The volume called name, or a MISSING VolumeException. */
    public synchronized Info show(String name) throws VolumeException {
        Open v = volumes.get(name);
        if (v == null) {
            throw missing(name);
        }
        return info(v);
    }

    /** Forgets a run-time volume; refused for settings volumes and while NBD clients use it. */
    public synchronized void remove(String name) throws IOException {
        Open v = volumes.get(name);
        if (v == null) {
            throw missing(name);
        }
        if (v.source() == Source.SETTINGS) {
            throw new VolumeException(VolumeException.Kind.BUSY, "volume '" + name
                    + "' is declared in hvx.storage.volumes; remove it there and restart the node");
        }
        if (v.clients() > 0) {
            throw new VolumeException(VolumeException.Kind.BUSY, "volume '" + name + "' is in use by " + v.clients()
                    + " NBD client(s); disconnect them, then retry");
        }
        Files.deleteIfExists(dir.resolve(name + SUFFIX));
        volumes.remove(name);
        v.device().close();
    }

    /** The device of volume name for one more user (an NBD connection), or null when there is none. */
    public synchronized BlockDevice attach(String name) {
        Open v = volumes.get(name);
        if (v == null) {
            return null;
        }
        volumes.put(name, v.withClients(v.clients() + 1));
        return v.device();
    }

    public synchronized void detach(String name) {
        Open v = volumes.get(name);
        if (v != null) {
            volumes.put(name, v.withClients(Math.max(0, v.clients() - 1)));
        }
    }

    private static VolumeException missing(String name) {
        return new VolumeException(VolumeException.Kind.MISSING, "no volume '" + name + "'");
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (Open v : volumes.values()) {
            try {
                v.device().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        volumes.clear();
        if (first != null) {
            throw first;
        }
    }
}
