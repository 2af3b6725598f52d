package io.hvx.storage.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What an image is: its size, chunk size and, per chunk, the id of its bytes or null for an all-zero
 * chunk. Stored as text ending in a SHA-256 line over everything before it, so a torn or edited
 * manifest is refused instead of read.
 *
 * <pre>
 * hvx-manifest 1
 * name debian
 * size 1073741824
 * chunk-size 65536
 * created 2026-11-23T15:00:00Z
 * parent -
 * chunks 16384
 * 0                                      (a zero chunk)
 * 9f86d081884c7d659a2feaa0c55ad015...    (one line per chunk)
 * sha256 &lt;hex of all lines above&gt;
 * </pre>
 */
public record Manifest(String name, long size, int chunkSize, Instant created, String parent, ChunkId[] chunks) {
    static final String MAGIC = "hvx-manifest 1";
    public static final int MIN_CHUNK = 4096;
    public static final int MAX_CHUNK = 4 << 20;

    public Manifest {
        if (Long.bitCount(chunkSize) != 1 || chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " is not a power of two from 4 KiB to 4 MiB");
        }
        if (size < 0 || chunks.length != chunkCount(size, chunkSize)) {
            throw new IllegalArgumentException("a manifest of " + size + " bytes needs " + chunkCount(size, chunkSize)
                    + " chunks, got " + chunks.length);
        }
    }

    public static long chunkCount(long size, int chunkSize) {
        return (size + chunkSize - 1) / chunkSize;
    }

    /** Bytes of chunk index i (the last chunk may be short). */
    public int chunkLength(long index) {
        return (int) Math.min(chunkSize, size - index * chunkSize);
    }

    /** The distinct non-zero chunks this image refers to. */
    public Set<ChunkId> distinctChunks() {
        Set<ChunkId> ids = new LinkedHashSet<>();
        for (ChunkId id : chunks) {
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    public long zeroChunks() {
        return Arrays.stream(chunks).filter(c -> c == null).count();
    }

    public byte[] toBytes() {
        StringBuilder s = new StringBuilder(chunks.length * 65 + 256);
        s.append(MAGIC).append('\n');
        s.append("name ").append(name).append('\n');
        s.append("size ").append(size).append('\n');
        s.append("chunk-size ").append(chunkSize).append('\n');
        s.append("created ").append(created).append('\n');
        s.append("parent ").append(parent == null ? "-" : parent).append('\n');
        s.append("chunks ").append(chunks.length).append('\n');
        for (ChunkId id : chunks) {
            s.append(id == null ? "0" : id.hex()).append('\n');
        }
        byte[] body = s.toString().getBytes(StandardCharsets.US_ASCII);
        String sum = "sha256 " + HexFormat.of().formatHex(ChunkId.sha256().digest(body)) + "\n";
        byte[] out = Arrays.copyOf(body, body.length + sum.length());
        System.arraycopy(sum.getBytes(StandardCharsets.US_ASCII), 0, out, body.length, sum.length());
        return out;
    }

    /** Parses a stored manifest; anything malformed is a StoreException naming the image and the problem. */
    public static Manifest parse(String key, byte[] bytes) throws StoreException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        int sumAt = text.lastIndexOf("sha256 ");
        if (!text.startsWith(MAGIC + "\n") || sumAt < 0 || !text.endsWith("\n")) {
            throw bad(key, "it is not a complete hvx manifest");
        }
        MessageDigest digest = ChunkId.sha256();
        digest.update(bytes, 0, sumAt);
        String expected = HexFormat.of().formatHex(digest.digest());
        if (!text.substring(sumAt + 7, text.length() - 1).equals(expected)) {
            throw bad(key, "its checksum does not match (torn or edited)");
        }
        String[] lines = text.substring(0, sumAt).split("\n");
        try {
            String name = field(lines, 1, "name");
            long size = Long.parseLong(field(lines, 2, "size"));
            int chunkSize = Integer.parseInt(field(lines, 3, "chunk-size"));
            Instant created = Instant.parse(field(lines, 4, "created"));
            String parent = field(lines, 5, "parent");
            int count = Integer.parseInt(field(lines, 6, "chunks"));
            if (lines.length != 7 + count) {
                throw bad(key, "it lists " + (lines.length - 7) + " chunks but says " + count);
            }
            ChunkId[] chunks = new ChunkId[count];
            for (int i = 0; i < count; i++) {
                String line = lines[7 + i];
                chunks[i] = line.equals("0") ? null : ChunkId.parse(line);
            }
            return new Manifest(name, size, chunkSize, created, parent.equals("-") ? null : parent, chunks);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw bad(key, e.getMessage());
        }
    }

    private static String field(String[] lines, int at, String name) throws StoreException {
        if (lines.length <= at || !lines[at].startsWith(name + " ")) {
            throw new StoreException("line " + (at + 1) + " should be '" + name + " ...'");
        }
        return lines[at].substring(name.length() + 1);
    }

    private static StoreException bad(String key, String why) {
        return new StoreException("manifest '" + key + "' is unusable: " + why);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Manifest m && m.name.equals(name) && m.size == size && m.chunkSize == chunkSize
                && m.created.equals(created) && java.util.Objects.equals(m.parent, parent)
                && Arrays.equals(m.chunks, chunks);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, size, chunkSize, created, parent, Arrays.hashCode(chunks));
    }
}
