package io.hvx.devices.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An x86-64 vmlinux (ELF64): its loadable segments at their physical addresses and its entry point, which the
 * kernel links as the physical address of {@code startup_64}.
 */
public record ElfKernel(byte[] file, long entry, List<Segment> segments) {

    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;

    /** One PT_LOAD segment: {@code fileSize} bytes from {@code offset} at {@code physical}, zeroed up to {@code memorySize}. */
    public record Segment(long physical, int offset, int fileSize, long memorySize) {
    }

    /** Parses {@code file}; anything but a sound little-endian x86-64 ELF executable is a one-line exception. */
    public static ElfKernel parse(byte[] file) throws KernelImageException {
        if (file.length < 64 || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F') {
            throw new KernelImageException("the decompressed kernel is not an ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        if (file[4] != 2 || file[5] != 1 || (b.getShort(18) & 0xffff) != EM_X86_64) {
            throw new KernelImageException("the decompressed kernel is not a 64-bit little-endian x86-64 ELF file");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        if (phentsize < 56 || phoff < 0 || phoff + (long) phentsize * phnum > file.length) {
            throw new KernelImageException("the decompressed kernel's ELF program headers lie outside the file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            if (b.getInt(at) != PT_LOAD) {
                continue;
            }
            long offset = b.getLong(at + 8);
            long physical = b.getLong(at + 24);
            long fileSize = b.getLong(at + 32);
            long memorySize = b.getLong(at + 40);
            if (offset < 0 || fileSize < 0 || offset + fileSize > file.length || memorySize < fileSize || physical < 0) {
                throw new KernelImageException("the decompressed kernel's load segment %d lies outside the file".formatted(i));
            }
            segments.add(new Segment(physical, (int) offset, (int) fileSize, memorySize));
        }
        if (segments.isEmpty()) {
            throw new KernelImageException("the decompressed kernel has no loadable segment");
        }
        return new ElfKernel(file, entry, List.copyOf(segments));
    }

    /** The lowest physical address a segment occupies. */
    public long start() {
        return segments.stream().mapToLong(Segment::physical).min().orElseThrow();
    }

    /** The first physical address past every segment (its zeroed tail included). */
    public long end() {
        return segments.stream().mapToLong(s -> s.physical() + s.memorySize()).max().orElseThrow();
    }
}
