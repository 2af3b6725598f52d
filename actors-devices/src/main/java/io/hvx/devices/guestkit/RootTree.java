package io.hvx.devices.guestkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The content of a root file system, described before it is written: directories, files, symbolic
 * links and device nodes with their permissions, all owned by root. Paths are relative, without a
 * leading slash; a parent directory comes before what it holds.
 */
final class RootTree {

    enum Kind { DIRECTORY, FILE, SYMLINK, CHAR_DEVICE }

    /** One entry; {@code data} is a file's content or a link's target, {@code major}/{@code minor} a device's numbers. */
    record Entry(String path, Kind kind, int permissions, byte[] data, int major, int minor) {

        /** The st_mode value: file type bits and permissions. */
        int mode() {
            int type = switch (kind) {
                case DIRECTORY -> 0040000;
                case FILE -> 0100000;
                case SYMLINK -> 0120000;
                case CHAR_DEVICE -> 0020000;
            };
            return type | permissions;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    void directory(String path, int permissions) {
        add(new Entry(path, Kind.DIRECTORY, permissions, new byte[0], 0, 0));
    }

    void file(String path, int permissions, byte[] data) {
        add(new Entry(path, Kind.FILE, permissions, data, 0, 0));
    }

    void file(String path, int permissions, String text) {
        file(path, permissions, text.getBytes(StandardCharsets.UTF_8));
    }

    void symlink(String path, String target) {
        add(new Entry(path, Kind.SYMLINK, 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0));
    }

    void charDevice(String path, int permissions, int major, int minor) {
        add(new Entry(path, Kind.CHAR_DEVICE, permissions, new byte[0], major, minor));
    }

    /** The entries in the order they were added. */
    List<Entry> entries() {
        return Collections.unmodifiableList(new ArrayList<>(entries.values()));
    }

    private void add(Entry entry) {
        String path = entry.path();
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")
            || !path.matches("[A-Za-z0-9_.+@\\[\\]/-]+") || ("/" + path + "/").contains("/../")) {
            throw new IllegalArgumentException("'%s' is not a plain relative path".formatted(path));
        }
        int slash = path.lastIndexOf('/');
        if (slash > 0) {
            Entry parent = entries.get(path.substring(0, slash));
            if (parent == null || parent.kind() != Kind.DIRECTORY) {
                throw new IllegalArgumentException("'%s' comes before its directory".formatted(path));
            }
        }
        if ((entry.permissions() & ~07777) != 0) {
            throw new IllegalArgumentException("'%s': permissions %o are not 12 bits".formatted(path, entry.permissions()));
        }
        if (entries.putIfAbsent(path, entry) != null) {
            throw new IllegalArgumentException("'%s' is in the tree twice".formatted(path));
        }
    }
}
