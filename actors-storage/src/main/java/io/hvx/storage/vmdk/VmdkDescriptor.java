package io.hvx.storage.vmdk;

import io.hvx.storage.block.ImageFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A VMDK text descriptor: the createType, the extents that make up the disk in order, and the disk database.
 *
 * <pre>
 * # Disk DescriptorFile
 * version=1
 * CID=1a2b3c4d
 * parentCID=ffffffff
 * createType="twoGbMaxExtentSparse"
 * RW 4192256 SPARSE "disk-s001.vmdk"
 * RW 2048 FLAT "disk-flat.vmdk" 0
 * ddb.adapterType = "ide"
 * </pre>
 */
public record VmdkDescriptor(String createType, String parentFileName, List<Extent> extents,
        Map<String, String> ddb) {
    /** Longest descriptor hvx parses; real ones are a few hundred bytes. */
    public static final int MAX_BYTES = 64 << 10;
    private static final long MAX_EXTENT_SECTORS = 1L << 40;
    private static final int MAX_EXTENTS = 4096;

    /** One extent line: access (RW, RDONLY, NOACCESS), size in sectors, type (SPARSE, FLAT, ZERO) and file. */
    public record Extent(String access, long sectors, String type, String file, long offsetSectors) {}

    public VmdkDescriptor {
        extents = List.copyOf(extents);
        ddb = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ddb));
    }

    public long capacitySectors() {
        long s = 0;
        for (Extent e : extents) {
            s += e.sectors();
        }
        return s;
    }

    /** Parses descriptor text; anything malformed is an error naming the line. */
    public static VmdkDescriptor parse(String text) throws ImageFormatException {
        if (text.length() > MAX_BYTES) {
            throw new ImageFormatException("VMDK descriptor is too long");
        }
        String createType = null;
        String parent = null;
        List<Extent> extents = new ArrayList<>();
        Map<String, String> ddb = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.replace("\r", "").replace("\0", "").trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String upper = line.toUpperCase(Locale.ROOT);
            if (upper.startsWith("RW ") || upper.startsWith("RDONLY ") || upper.startsWith("NOACCESS ")) {
                extents.add(extent(line));
                if (extents.size() > MAX_EXTENTS) {
                    throw new ImageFormatException("VMDK descriptor lists too many extents");
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ImageFormatException("VMDK descriptor line is not understood: '" + shorten(line) + "'");
            }
            String key = line.substring(0, eq).trim();
            String value = unquote(line.substring(eq + 1).trim());
            if (key.equals("createType")) {
                createType = value;
            } else if (key.equals("parentFileNameHint")) {
                parent = value;
            } else if (key.startsWith("ddb.")) {
                ddb.put(key, value);
            }
        }
        if (createType == null) {
            throw new ImageFormatException("VMDK descriptor has no createType");
        }
        if (extents.isEmpty()) {
            throw new ImageFormatException("VMDK descriptor lists no extents");
        }
        return new VmdkDescriptor(createType, parent, extents, ddb);
    }

    private static Extent extent(String line) throws ImageFormatException {
        // access sectors type "file name" [offset]
        int q1 = line.indexOf('"');
        int q2 = q1 < 0 ? -1 : line.indexOf('"', q1 + 1);
        String[] head = (q1 < 0 ? line : line.substring(0, q1)).trim().split("\\s+");
        if (head.length < 3) {
            if (head.length == 2 && q1 < 0) {
                throw new ImageFormatException("VMDK extent line is malformed: '" + shorten(line) + "'");
            }
        }
        long sectors;
        try {
            sectors = Long.parseLong(head[1]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new ImageFormatException("VMDK extent line is malformed: '" + shorten(line) + "'");
        }
        if (sectors <= 0 || sectors > MAX_EXTENT_SECTORS) {
            throw new ImageFormatException("VMDK extent of " + sectors + " sectors is out of range");
        }
        String type = head.length > 2 ? head[2].toUpperCase(Locale.ROOT) : "";
        if (type.equals("ZERO")) {
            return new Extent(head[0], sectors, type, null, 0);
        }
        if (q1 < 0 || q2 < 0) {
            throw new ImageFormatException("VMDK extent line names no file: '" + shorten(line) + "'");
        }
        String file = line.substring(q1 + 1, q2);
        if (file.isEmpty()) {
            throw new ImageFormatException("VMDK extent line names an empty file");
        }
        long offset = 0;
        String tail = line.substring(q2 + 1).trim();
        if (!tail.isEmpty()) {
            try {
                offset = Long.parseLong(tail.split("\\s+")[0]);
            } catch (NumberFormatException e) {
                throw new ImageFormatException("VMDK extent offset is not a number: '" + shorten(line) + "'");
            }
            if (offset < 0 || offset > MAX_EXTENT_SECTORS) {
                throw new ImageFormatException("VMDK extent offset " + offset + " is out of range");
            }
        }
        return new Extent(head[0].toUpperCase(Locale.ROOT), sectors, type, file, offset);
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** A descriptor for a new disk: random CID, no parent, IDE geometry as VMware tools write it. */
    public static VmdkDescriptor forNew(String createType, List<Extent> extents, String adapterType) {
        long capacity = 0;
        for (Extent e : extents) {
            capacity += e.sectors();
        }
        Map<String, String> ddb = new LinkedHashMap<>();
        ddb.put("ddb.virtualHWVersion", "4");
        ddb.put("ddb.geometry.cylinders", String.valueOf(Math.min(capacity / (16 * 63), 16383)));
        ddb.put("ddb.geometry.heads", "16");
        ddb.put("ddb.geometry.sectors", "63");
        ddb.put("ddb.adapterType", adapterType == null ? "ide" : adapterType);
        return new VmdkDescriptor(createType, null, extents, ddb);
    }

    /** The descriptor as text, in the order VMware writes the sections. */
    public String render() {
        StringBuilder b = new StringBuilder("# Disk DescriptorFile\nversion=1\n");
        b.append(String.format("CID=%08x", ThreadLocalRandom.current().nextInt() & 0x7fffffff)).append('\n');
        b.append("parentCID=ffffffff\n");
        b.append("createType=\"").append(createType).append("\"\n\n# Extent description\n");
        for (Extent e : extents) {
            b.append(e.access()).append(' ').append(e.sectors()).append(' ').append(e.type());
            if (e.file() != null) {
                b.append(" \"").append(e.file().replace("\"", "")).append('"');
                if (e.type().equals("FLAT")) {
                    b.append(' ').append(e.offsetSectors());
                }
            }
            b.append('\n');
        }
        b.append("\n# The Disk Data Base\n#DDB\n\n");
        for (Map.Entry<String, String> d : ddb.entrySet()) {
            b.append(d.getKey()).append(" = \"").append(d.getValue()).append("\"\n");
        }
        return b.toString().replace("\r", "");
    }
}
