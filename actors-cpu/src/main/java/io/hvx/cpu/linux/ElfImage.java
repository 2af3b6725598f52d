package io.hvx.cpu.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** A parsed static x86-64 ELF executable: its loadable segments, entry point and program headers. */
public record ElfImage(byte[] bytes, boolean positionIndependent, long entry, long phoff, int phnum,
                       List<Segment> segments) {
    /** One PT_LOAD program header. */
    public record Segment(long vaddr, long offset, long fileSize, long memSize, int flags) {
    }

    static final int PT_LOAD = 1;
    static final int PT_INTERP = 3;
    static final int PT_PHDR = 6;

    /** Parses the file; a clear {@link IllegalArgumentException} message for anything we cannot run. */
    public static ElfImage parse(byte[] bytes) {
        if (bytes.length < 64 || bytes[0] != 0x7F || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new IllegalArgumentException("not an ELF file");
        }
        if (bytes[4] != 2 || bytes[5] != 1) {
            throw new IllegalArgumentException("not a 64-bit little-endian ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xFFFF;
        int machine = b.getShort(18) & 0xFFFF;
        if (machine != 62) {
            throw new IllegalArgumentException("not an x86-64 ELF file (e_machine " + machine + ")");
        }
        if (type != 2 && type != 3) {
            throw new IllegalArgumentException("not an executable ELF file (e_type " + type + ")");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xFFFF;
        int phnum = b.getShort(56) & 0xFFFF;
        if (phentsize != 56 || phoff < 0 || phoff + (long) phnum * 56 > bytes.length) {
            throw new IllegalArgumentException("truncated or malformed ELF program headers");
        }
        List<Segment> segments = new ArrayList<>();
        for (int k = 0; k < phnum; k++) {
            int at = (int) phoff + k * 56;
            int ptype = b.getInt(at);
            if (ptype == PT_INTERP) {
                throw new IllegalArgumentException("dynamically linked (has PT_INTERP); only static programs run");
            }
            if (ptype == PT_LOAD) {
                Segment s = new Segment(b.getLong(at + 16), b.getLong(at + 8), b.getLong(at + 32),
                        b.getLong(at + 40), b.getInt(at + 4));
                if (s.offset() < 0 || s.fileSize() < 0 || s.offset() + s.fileSize() > bytes.length
                        || s.memSize() < s.fileSize()) {
                    throw new IllegalArgumentException("truncated ELF file: a segment lies past its end");
                }
                if (s.memSize() > (4L << 30) || s.vaddr() < 0 || s.vaddr() + s.memSize() > (1L << 46)) {
                    throw new IllegalArgumentException("ELF segment at 0x" + Long.toHexString(s.vaddr())
                            + " is outside the user address space or larger than 4 GiB");
                }
                segments.add(s);
            }
        }
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("ELF file has no loadable segments");
        }
        return new ElfImage(bytes, type == 3, entry, phoff, phnum, List.copyOf(segments));
    }
}
