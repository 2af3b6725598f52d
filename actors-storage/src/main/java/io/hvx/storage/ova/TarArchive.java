package io.hvx.storage.ova;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The member list of a tar archive (ustar, with GNU long names, pax path records and base-256 sizes), read without
 * extracting: an OVA is a tar whose first member is the OVF descriptor.
 */
public final class TarArchive {
    static final int BLOCK = 512;
    private static final int MAX_MEMBERS = 10_000;

    /** A regular file inside the archive: where its bytes start and how many there are. */
    public record Member(String name, long offset, long size) {}

    private TarArchive() {}

    public static List<Member> list(Path tar) throws IOException {
        List<Member> members = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(tar)) {
            long fileSize = ch.size();
            long pos = 0;
            String longName = null;
            ByteBuffer h = ByteBuffer.allocate(BLOCK);
            while (pos + BLOCK <= fileSize) {
                h.clear();
                while (h.hasRemaining()) {
                    if (ch.read(h, pos + h.position()) < 0) {
                        throw new ImageFormatException(tar + ": tar archive is truncated");
                    }
                }
                byte[] b = h.array();
                if (allZero(b)) {
                    break;
                }
                if (!checksumOk(b)) {
                    throw new ImageFormatException(tar + ": not a tar archive (bad header checksum at offset " + pos
                            + ")");
                }
                long size = number(b, 124, 12, tar);
                long data = pos + BLOCK;
                if (size < 0 || data + size > fileSize) {
                    throw new ImageFormatException(tar + ": tar member at offset " + pos + " runs past the end");
                }
                char type = (char) b[156];
                String name = longName != null ? longName : name(b);
                longName = null;
                if (type == 'L' || type == 'x') {
                    if (size > 65536) {
                        throw new ImageFormatException(tar + ": tar extended header is too long");
                    }
                    ByteBuffer ext = ByteBuffer.allocate((int) size);
                    while (ext.hasRemaining()) {
                        ch.read(ext, data + ext.position());
                    }
                    String text = new String(ext.array(), StandardCharsets.UTF_8);
                    longName = type == 'L' ? text.replace("\0", "") : paxPath(text);
                } else if (type == '0' || type == '\0' || type == '7') {
                    members.add(new Member(name, data, size));
                    if (members.size() > MAX_MEMBERS) {
                        throw new ImageFormatException(tar + ": tar archive has too many members");
                    }
                }
                pos = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            }
        }
        if (members.isEmpty()) {
            throw new ImageFormatException(tar + ": tar archive is empty or not a tar archive");
        }
        return members;
    }

    private static String paxPath(String records) {
        for (String line : records.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0 && line.startsWith("path=", sp + 1)) {
                return line.substring(sp + 6);
            }
        }
        return null;
    }

    private static String name(byte[] b) {
        String n = cstring(b, 0, 100);
        if ("ustar".equals(cstring(b, 257, 6).trim())) {
            String prefix = cstring(b, 345, 155);
            if (!prefix.isEmpty()) {
                n = prefix + "/" + n;
            }
        }
        return n;
    }

    private static String cstring(byte[] b, int at, int len) {
        int end = at;
        while (end < at + len && b[end] != 0) {
            end++;
        }
        return new String(b, at, end - at, StandardCharsets.UTF_8);
    }

    private static long number(byte[] b, int at, int len, Path tar) throws ImageFormatException {
        if ((b[at] & 0x80) != 0) {
            long v = 0;
            for (int i = at + 1; i < at + len; i++) {
                if ((v >>> 55) != 0) {
                    throw new ImageFormatException(tar + ": tar member size is absurd");
                }
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
        String s = cstring(b, at, len).trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new ImageFormatException(tar + ": tar header has an invalid number '" + s + "'");
        }
    }

    private static boolean checksumOk(byte[] b) {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (b[i] & 0xff);
        }
        String s = cstring(b, 148, 8).trim();
        try {
            return !s.isEmpty() && Long.parseLong(s, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** A ustar header for a regular file; sizes of 8 GiB and more use the base-256 form. */
    static byte[] header(String name, long size, long mtimeSeconds) throws ImageFormatException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            throw new ImageFormatException("file name too long for an OVA member: " + name);
        }
        byte[] b = new byte[BLOCK];
        System.arraycopy(n, 0, b, 0, n.length);
        put(b, 100, "0000644");
        put(b, 108, "0000000");
        put(b, 116, "0000000");
        if (size < 8L << 30) {
            put(b, 124, String.format("%011o", size));
        } else {
            b[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                b[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        put(b, 136, String.format("%011o", mtimeSeconds));
        b[156] = '0';
        put(b, 257, "ustar");
        b[263] = '0';
        b[264] = '0';
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (b[i] & 0xff);
        }
        put(b, 148, String.format("%06o", sum));
        b[155] = ' ';
        return b;
    }

    private static void put(byte[] b, int at, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, at, x.length);
    }
}
