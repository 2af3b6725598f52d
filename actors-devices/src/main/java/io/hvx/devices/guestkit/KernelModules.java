package io.hvx.devices.guestkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The loadable modules of an unpacked Debian kernel package and the order to insmod a set of them.
 * Debian's package carries no modules.dep (its postinst runs depmod), so each module's dependencies
 * come from the {@code .modinfo} section that the kernel build's modpost writes into every {@code .ko}:
 * {@code depends=} (modules whose symbols it uses, the content of modules.dep) and
 * {@code softdep=pre:} (modules it asks modprobe to load first, named by alias).
 */
final class KernelModules {

    /** One module: its name (dashes as underscores), its path under the unpacked package, what it needs. */
    record Module(String name, String path, List<String> depends, List<String> softPre, List<String> aliases) {
    }

    /** One insmod: a module, and whether the boot goes on without it (an alternative provider of a soft dependency). */
    record Load(Module module, boolean optional) {
    }

    private static final int SHT_NULL = 0;

    private final String version;
    private final Map<String, Module> byName;

    private KernelModules(String version, Map<String, Module> byName) {
        this.version = version;
        this.byName = byName;
    }

    /** Reads the .modinfo of every module under {@code unpacked}/lib/modules/VERSION. */
    static KernelModules read(Path unpacked) throws GuestKitException {
        Path modules = unpacked.resolve("lib/modules");
        try (Stream<Path> versions = Files.list(modules)) {
            List<Path> dirs = versions.filter(Files::isDirectory).toList();
            if (dirs.size() != 1) {
                throw new GuestKitException("expected one kernel version under %s, found %d".formatted(modules, dirs.size()));
            }
            Map<String, Module> byName = new TreeMap<>();
            try (Stream<Path> files = Files.walk(dirs.getFirst())) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".ko")).toList()) {
                    Module module = module(unpacked.relativize(file).toString(), modinfo(file));
                    byName.put(module.name(), module);
                }
            }
            return new KernelModules(dirs.getFirst().getFileName().toString(), byName);
        } catch (IOException e) {
            throw new GuestKitException("cannot read the kernel modules under %s: %s".formatted(modules, GuestKit.describe(e)));
        }
    }

    /** The kernel release the modules are built for (the directory name under lib/modules). */
    String version() {
        return version;
    }

    /**
     * The modules to insmod for {@code roots}, each after its dependencies and soft pre-dependencies;
     * every provider of a soft dependency's alias is loaded, optionally (one may not suit the CPU).
     */
    List<Load> loadOrder(List<String> roots) throws GuestKitException {
        SequencedSet<String> order = new LinkedHashSet<>();
        Map<String, Boolean> optional = new HashMap<>();
        for (String root : roots) {
            visit(normalize(root), false, order, optional, new LinkedHashSet<>());
        }
        List<Load> loads = new ArrayList<>();
        for (String name : order) {
            loads.add(new Load(byName.get(name), optional.get(name)));
        }
        return loads;
    }

    private void visit(String name, boolean soft, SequencedSet<String> order, Map<String, Boolean> optional,
                       SequencedSet<String> path) throws GuestKitException {
        Module module = byName.get(name);
        if (module == null) {
            throw new GuestKitException("the kernel package %s has no module %s%s".formatted(version, name,
                path.isEmpty() ? "" : " (needed by " + path.getLast() + ")"));
        }
        if (order.contains(name)) {
            if (!soft) {
                require(name, optional);
            }
            return;
        }
        if (!path.add(name)) {
            throw new GuestKitException("the modules of %s depend on each other in a cycle: %s -> %s"
                .formatted(version, String.join(" -> ", path), name));
        }
        for (String alias : module.softPre()) {
            for (Module provider : providers(alias)) {
                if (!path.contains(provider.name())) {
                    visit(provider.name(), true, order, optional, path);
                }
            }
        }
        for (String dependency : module.depends()) {
            visit(dependency, soft, order, optional, path);
        }
        path.remove(name);
        order.add(name);
        optional.put(name, soft);
    }

    /** A module first reached as an optional provider turns out to be needed: so are its dependencies. */
    private void require(String name, Map<String, Boolean> optional) {
        if (Boolean.TRUE.equals(optional.put(name, false))) {
            for (String dependency : byName.get(name).depends()) {
                require(dependency, optional);
            }
        }
    }

    private List<Module> providers(String alias) {
        String normalized = normalize(alias);
        Module direct = byName.get(normalized);
        if (direct != null) {
            return List.of(direct);
        }
        return byName.values().stream().filter(m -> m.aliases().contains(alias)).toList();
    }

    private static String normalize(String name) {
        return name.replace('-', '_');
    }

    private static Module module(String path, List<String> info) throws GuestKitException {
        String file = path.substring(path.lastIndexOf('/') + 1);
        String name = normalize(file.substring(0, file.length() - 3));
        List<String> depends = List.of();
        List<String> softPre = new ArrayList<>();
        List<String> aliases = new ArrayList<>();
        for (String entry : info) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = entry.substring(0, eq);
            String value = entry.substring(eq + 1).strip();
            switch (key) {
                case "name" -> name = normalize(value);
                case "depends" -> depends = value.isEmpty() ? List.of()
                    : Stream.of(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(KernelModules::normalize).toList();
                case "alias" -> aliases.add(value);
                case "softdep" -> softPre.addAll(softPre(value));
                default -> {
                }
            }
        }
        return new Module(name, path, depends, List.copyOf(softPre), List.copyOf(aliases));
    }

    /** The names after "pre:" in a softdep value such as "pre: crc32c post: foo". */
    private static List<String> softPre(String value) {
        List<String> names = new ArrayList<>();
        boolean pre = false;
        for (String word : value.split("\\s+")) {
            if (word.endsWith(":")) {
                pre = word.equals("pre:");
            } else if (pre && !word.isEmpty()) {
                names.add(word);
            }
        }
        return names;
    }

    /**
     * The NUL-separated key=value strings of an ELF64 module's {@code .modinfo} section. Only the ELF
     * header, the section headers, the section-name table and .modinfo are read, not the whole file.
     */
    static List<String> modinfo(Path file) throws IOException, GuestKitException {
        try (FileChannel channel = FileChannel.open(file)) {
            ByteBuffer header = read(channel, 0, 64, file);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                throw new GuestKitException("%s is not a little-endian ELF64 module (compressed?)".formatted(file));
            }
            long sectionTable = header.getLong(0x28);
            int entrySize = Short.toUnsignedInt(header.getShort(0x3a));
            int count = Short.toUnsignedInt(header.getShort(0x3c));
            int namesIndex = Short.toUnsignedInt(header.getShort(0x3e));
            if (entrySize < 64 || count == 0 || namesIndex >= count || count > 65_535) {
                throw new GuestKitException("%s has a malformed ELF section table".formatted(file));
            }
            ByteBuffer sections = read(channel, sectionTable, (long) entrySize * count, file);
            ByteBuffer names = section(channel, sections, entrySize, namesIndex, file);
            for (int i = 0; i < count; i++) {
                int base = i * entrySize;
                if (sections.getInt(base + 4) == SHT_NULL) {
                    continue;
                }
                if (".modinfo".equals(string(names, sections.getInt(base)))) {
                    ByteBuffer info = section(channel, sections, entrySize, i, file);
                    List<String> entries = new ArrayList<>();
                    for (String entry : StandardCharsets.UTF_8.decode(info).toString().split("\0")) {
                        if (!entry.isEmpty()) {
                            entries.add(entry);
                        }
                    }
                    return entries;
                }
            }
            throw new GuestKitException("%s has no .modinfo section".formatted(file));
        }
    }

    private static ByteBuffer section(FileChannel channel, ByteBuffer sections, int entrySize, int index, Path file)
        throws IOException, GuestKitException {
        int base = index * entrySize;
        return read(channel, sections.getLong(base + 0x18), sections.getLong(base + 0x20), file);
    }

    private static String string(ByteBuffer table, int offset) {
        if (offset < 0 || offset >= table.limit()) {
            return "";
        }
        int end = offset;
        while (end < table.limit() && table.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - offset];
        table.get(offset, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer read(FileChannel channel, long offset, long length, Path file)
        throws IOException, GuestKitException {
        if (offset < 0 || length < 0 || length > 16 << 20 || offset + length > channel.size()) {
            throw new GuestKitException("%s is truncated or malformed (%d bytes at %d)".formatted(file, length, offset));
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new GuestKitException("%s ended early".formatted(file));
            }
        }
        return buffer.flip();
    }
}
