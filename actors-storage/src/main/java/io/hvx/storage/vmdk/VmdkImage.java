package io.hvx.storage.vmdk;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A VMDK described by a separate text descriptor: monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat and any
 * other list of SPARSE, FLAT, VMFS and ZERO extents; the extents are addressed one after another.
 */
public final class VmdkImage implements BlockDevice, io.hvx.storage.image.Checkable {
    /** Split extents stay under 2 GiB, in whole grains. */
    static final long SPLIT_SECTORS = ((2L << 30) - (64 << 10)) / 512;

    private final VmdkDescriptor descriptor;
    private final BlockDevice[] extents;
    private final long[] starts;
    private final long size;
    private final boolean readOnly;

    private VmdkImage(VmdkDescriptor descriptor, BlockDevice[] extents, boolean readOnly) {
        this.descriptor = descriptor;
        this.extents = extents;
        this.readOnly = readOnly;
        starts = new long[extents.length];
        long s = 0;
        for (int i = 0; i < extents.length; i++) {
            starts[i] = s;
            s += descriptor.extents().get(i).sectors() * 512;
        }
        size = s;
    }

    /** True when the start of a file looks like a VMDK text descriptor. */
    public static boolean looksLikeDescriptor(byte[] head, int length) {
        String s = new String(head, 0, length, StandardCharsets.ISO_8859_1);
        return s.startsWith("# Disk DescriptorFile") || (s.contains("createType=") && s.contains("version="));
    }

    public static VmdkImage open(Path path, boolean readOnly) throws IOException {
        long len = Files.size(path);
        if (len > VmdkDescriptor.MAX_BYTES) {
            throw new ImageFormatException(path + ": VMDK descriptor file is too large (" + len + " bytes)");
        }
        VmdkDescriptor d;
        try {
            d = VmdkDescriptor.parse(new String(Files.readAllBytes(path), StandardCharsets.UTF_8));
        } catch (ImageFormatException e) {
            throw new ImageFormatException(path + ": " + e.getMessage());
        }
        if (d.parentFileName() != null) {
            throw new ImageFormatException(path + ": VMDK delta disks (parent '" + d.parentFileName()
                    + "') are not supported");
        }
        Path real = path.toRealPath();
        List<BlockDevice> opened = new ArrayList<>();
        try {
            for (VmdkDescriptor.Extent e : d.extents()) {
                opened.add(openExtent(path, real, e, readOnly));
            }
        } catch (IOException | RuntimeException e) {
            for (BlockDevice b : opened) {
                b.close();
            }
            throw e;
        }
        return new VmdkImage(d, opened.toArray(BlockDevice[]::new), readOnly);
    }

    private static BlockDevice openExtent(Path descriptorPath, Path real, VmdkDescriptor.Extent e, boolean readOnly)
            throws IOException {
        if (e.type().equals("ZERO")) {
            return new ZeroExtent(e.sectors());
        }
        Path dir = descriptorPath.toAbsolutePath().getParent();
        Path file = dir == null ? Path.of(e.file()) : dir.resolve(e.file());
        if (!Files.exists(file)) {
            throw new ImageFormatException(descriptorPath + ": VMDK extent '" + e.file() + "' not found");
        }
        if (file.toRealPath().equals(real)) {
            throw new ImageFormatException(descriptorPath + ": VMDK extent '" + e.file()
                    + "' is the descriptor itself");
        }
        boolean ro = readOnly || !e.access().equals("RW");
        return switch (e.type()) {
            case "FLAT", "VMFS" -> FlatExtent.open(file, e.offsetSectors(), e.sectors(), ro);
            case "SPARSE" -> {
                VmdkSparseImage s = VmdkSparseImage.open(file, ro);
                if (s.size() < e.sectors() * 512) {
                    s.close();
                    throw new ImageFormatException(descriptorPath + ": VMDK extent '" + e.file() + "' holds "
                            + s.size() / 512 + " sectors, the descriptor says " + e.sectors());
                }
                yield s;
            }
            default -> throw new ImageFormatException(descriptorPath + ": VMDK extent type '" + e.type()
                    + "' is not supported");
        };
    }

    /**
     * Creates a split or flat VMDK: the descriptor at descriptorAt, naming extents after finalName; where extent
     * files are written is up to extentAt, so a caller can write them under temporary names first.
     */
    public static VmdkImage create(Path descriptorAt, String finalName, String subformat, long bytes,
            String adapterType, Function<String, Path> extentAt) throws IOException {
        long capacity = (bytes + 511) / 512;
        String base = finalName.toLowerCase(Locale.ROOT).endsWith(".vmdk")
                ? finalName.substring(0, finalName.length() - 5) : finalName;
        boolean flat;
        long per;
        String pattern;
        switch (subformat) {
            case "monolithicFlat" -> { flat = true; per = Math.max(capacity, 1); pattern = base + "-flat.vmdk"; }
            case "twoGbMaxExtentFlat" -> { flat = true; per = SPLIT_SECTORS; pattern = base + "-f%03d.vmdk"; }
            case "twoGbMaxExtentSparse" -> { flat = false; per = SPLIT_SECTORS; pattern = base + "-s%03d.vmdk"; }
            default -> throw new ImageFormatException("VMDK subformat '" + subformat + "' is not a descriptor format");
        }
        List<VmdkDescriptor.Extent> list = new ArrayList<>();
        List<BlockDevice> devices = new ArrayList<>();
        try {
            int n = 1;
            for (long done = 0; done < capacity || list.isEmpty(); n++) {
                long sectors = Math.max(1, Math.min(per, capacity - done));
                String name = pattern.contains("%") ? String.format(pattern, n) : pattern;
                Path at = extentAt.apply(name);
                devices.add(flat ? FlatExtent.create(at, sectors) : VmdkSparseImage.create(at, sectors, null));
                list.add(new VmdkDescriptor.Extent("RW", sectors, flat ? "FLAT" : "SPARSE", name, 0));
                done += sectors;
            }
            VmdkDescriptor d = VmdkDescriptor.forNew(subformat, list, adapterType);
            Files.writeString(descriptorAt, d.render(), StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            return new VmdkImage(d, devices.toArray(BlockDevice[]::new), false);
        } catch (IOException | RuntimeException e) {
            for (BlockDevice b : devices) {
                b.close();
            }
            throw e;
        }
    }

    public String createType() {
        return descriptor.createType();
    }

    public VmdkDescriptor descriptor() {
        return descriptor;
    }

    @Override
    public long size() {
        return size;
    }

    private int extentIndex(long offset) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private long extentEnd(int i) {
        return i + 1 < starts.length ? starts[i + 1] : size;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        eachExtent(buffer, offset, BlockDevice::read);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkWrite(this, "image", offset, buffer.remaining());
        eachExtent(buffer, offset, BlockDevice::write);
    }

    /** One read or write on an extent, at an offset inside it. */
    private interface ExtentIo {
        void apply(BlockDevice extent, ByteBuffer buffer, long offset) throws IOException;
    }

    /** Splits a request at extent boundaries and hands each piece to its extent. */
    private void eachExtent(ByteBuffer buffer, long offset, ExtentIo io) throws IOException {
        while (buffer.hasRemaining()) {
            int i = extentIndex(offset);
            int n = (int) Math.min(buffer.remaining(), extentEnd(i) - offset);
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            io.apply(extents[i], buffer, offset - starts[i]);
            buffer.limit(lim);
            offset += n;
        }
    }

    @Override
    public HostRun hostRun(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        int i = extentIndex(offset);
        return extents[i].hostRun(offset - starts[i], Math.min(length, extentEnd(i) - offset));
    }

    @Override
    public void flush() throws IOException {
        for (BlockDevice e : extents) {
            e.flush();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        long end = offset + length;
        while (offset < end) {
            int i = extentIndex(offset);
            long n = Math.min(end - offset, extentEnd(i) - offset);
            extents[i].discard(offset - starts[i], n);
            offset += n;
        }
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        int i = extentIndex(offset);
        Extent e = extents[i].extentAt(offset - starts[i]);
        return new Extent(Math.max(1, Math.min(e.length(), extentEnd(i) - offset)), e.zero());
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (BlockDevice e : extents) {
            try {
                e.close();
            } catch (IOException ex) {
                first = first == null ? ex : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The sum of its sparse extents' checks; flat and zero extents have no tables. */
    @Override
    public Result check() throws IOException {
        long c = 0;
        long l = 0;
        for (BlockDevice e : extents) {
            if (e instanceof io.hvx.storage.image.Checkable k) {
                Result r = k.check();
                c += r.corruptions();
                l += r.leaks();
            }
        }
        return new Result(c, l);
    }
}
