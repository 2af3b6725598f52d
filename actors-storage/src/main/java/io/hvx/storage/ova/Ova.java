package io.hvx.storage.ova;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.Converter;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.image.OutputFile;
import io.hvx.storage.vmdk.StreamOptimizedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/** Imports an OVA (its OVF descriptor and disks) and exports a disk as an OVA that VMware and VirtualBox import. */
public final class Ova {
    private Ova() {}

    /** What an import produced: the VM the descriptor describes and the disk files written, in its disk order. */
    public record Imported(OvfDescriptor vm, List<Path> disks) {}

    /**
     * Reads the OVA's descriptor, checks its manifest when there is one, and converts each disk into outDir as
     * &lt;vm&gt;-disk&lt;N&gt;.&lt;format&gt;; nothing appears under a final name unless every disk converted.
     */
    public static Imported importOva(Path ova, Path outDir, ImageFormat format, Map<String, String> options,
            LongConsumer progress) throws IOException {
        List<TarArchive.Member> members = TarArchive.list(ova);
        TarArchive.Member ovf = members.stream().filter(m -> m.name().toLowerCase(Locale.ROOT).endsWith(".ovf"))
                .findFirst().orElseThrow(() -> new ImageFormatException(ova + ": no .ovf descriptor in the archive"));
        if (ovf.size() > 4 << 20) {
            throw new ImageFormatException(ova + ": OVF descriptor is larger than 4 MiB");
        }
        OvfDescriptor vm;
        try {
            vm = OvfDescriptor.parse(bytes(ova, ovf));
        } catch (ImageFormatException e) {
            throw new ImageFormatException(ova + ": " + e.getMessage());
        }
        for (TarArchive.Member m : members) {
            if (m.name().toLowerCase(Locale.ROOT).endsWith(".mf")) {
                verifyManifest(ova, m, members);
            }
        }
        String base = vm.name().replaceAll("[^A-Za-z0-9._-]", "_");
        if (base.isEmpty() || base.startsWith(".")) {
            base = "vm" + base;
        }
        List<OutputFile> outputs = new ArrayList<>();
        List<Path> written = new ArrayList<>();
        try {
            int n = 1;
            for (OvfDescriptor.Disk d : vm.disks()) {
                TarArchive.Member m = member(ova, members, d.file());
                OutputFile out = new OutputFile(outDir.resolve(base + "-disk" + n++ + "." + format.qemuName()));
                outputs.add(out);
                Path extracted = out.companion(".extract-" + System.nanoTime());
                try {
                    copyMember(ova, m, extracted);
                    try (BlockDevice src = ImageOpener.open(extracted, null, true);
                         BlockDevice dst = ImageCreator.create(out, format, Math.max(src.size(), d.capacityBytes()),
                                 options)) {
                        new Converter().copy(src, dst, progress);
                    }
                } finally {
                    Files.deleteIfExists(extracted);
                }
            }
            for (OutputFile o : outputs) {
                o.commitMain();
                written.add(o.target());
            }
        } catch (IOException | RuntimeException e) {
            for (OutputFile o : outputs) {
                o.abandon();
            }
            throw e;
        }
        return new Imported(vm, written);
    }

    /** Writes disk as a streamOptimized VMDK inside an OVA with an OVF descriptor and a SHA-256 manifest. */
    public static void exportOva(BlockDevice disk, Path ova, String name, int cpus, long memoryMiB,
            List<String> networks, LongConsumer progress) throws IOException {
        if (cpus < 1 || cpus > 4096 || memoryMiB < 1) {
            throw new ImageFormatException("an exported VM needs at least 1 CPU and 1 MiB of memory");
        }
        OutputFile out = new OutputFile(ova);
        String stem = ova.getFileName().toString().replaceFirst("(?i)\\.ova$", "");
        String diskName = stem + "-disk1.vmdk";
        Path vmdk = out.companion(".vmdk-" + System.nanoTime());
        try {
            try (StreamOptimizedWriter w = StreamOptimizedWriter.create(vmdk, disk.size(), diskName)) {
                new Converter().copy(disk, w, progress);
            }
            long vmdkSize = Files.size(vmdk);
            String ovf = OvfDescriptor.render(name, cpus, memoryMiB, networks, diskName, vmdkSize, disk.size());
            byte[] ovfBytes = ovf.getBytes(StandardCharsets.UTF_8);
            String mf = "SHA256(" + stem + ".ovf)= " + HexFormat.of().formatHex(sha256(ovfBytes)) + "\n"
                    + "SHA256(" + diskName + ")= " + HexFormat.of().formatHex(sha256(vmdk)) + "\n";
            long now = System.currentTimeMillis() / 1000;
            try (FileChannel ch = FileChannel.open(out.temp(), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                long pos = 0;
                // The OVF specification wants the descriptor first and the manifest right after it.
                pos = append(ch, pos, TarArchive.header(stem + ".ovf", ovfBytes.length, now), ovfBytes);
                byte[] mfBytes = mf.getBytes(StandardCharsets.US_ASCII);
                pos = append(ch, pos, TarArchive.header(stem + ".mf", mfBytes.length, now), mfBytes);
                pos = appendFile(ch, pos, TarArchive.header(diskName, vmdkSize, now), vmdk);
                write(ch, ByteBuffer.allocate(2 * TarArchive.BLOCK), pos);
            }
            Files.delete(vmdk);
            out.commitMain();
        } catch (IOException | RuntimeException e) {
            out.abandon();
            throw e;
        }
    }

    private static long append(FileChannel ch, long pos, byte[] header, byte[] data) throws IOException {
        write(ch, ByteBuffer.wrap(header), pos);
        write(ch, ByteBuffer.wrap(data), pos + TarArchive.BLOCK);
        return pos + TarArchive.BLOCK + pad(data.length);
    }

    private static long appendFile(FileChannel ch, long pos, byte[] header, Path file) throws IOException {
        write(ch, ByteBuffer.wrap(header), pos);
        long size = Files.size(file);
        try (FileChannel in = FileChannel.open(file)) {
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, ch.position(pos + TarArchive.BLOCK + done));
            }
        }
        long end = pos + TarArchive.BLOCK + pad(size);
        if (end > pos + TarArchive.BLOCK + size) {
            write(ch, ByteBuffer.allocate((int) (end - pos - TarArchive.BLOCK - size)), pos + TarArchive.BLOCK + size);
        }
        return end;
    }

    private static long pad(long n) {
        return (n + TarArchive.BLOCK - 1) / TarArchive.BLOCK * TarArchive.BLOCK;
    }

    private static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    private static TarArchive.Member member(Path ova, List<TarArchive.Member> members, String file)
            throws ImageFormatException {
        for (TarArchive.Member m : members) {
            if (m.name().equals(file) || m.name().endsWith("/" + file)) {
                return m;
            }
        }
        throw new ImageFormatException(ova + ": disk file '" + file + "' named by the OVF is not in the archive");
    }

    private static byte[] bytes(Path ova, TarArchive.Member m) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) m.size());
        try (FileChannel ch = FileChannel.open(ova)) {
            while (b.hasRemaining()) {
                if (ch.read(b, m.offset() + b.position()) < 0) {
                    throw new ImageFormatException(ova + ": archive member '" + m.name() + "' is truncated");
                }
            }
        }
        return b.array();
    }

    private static void copyMember(Path ova, TarArchive.Member m, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(ova);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long done = 0;
            while (done < m.size()) {
                long n = in.transferTo(m.offset() + done, m.size() - done, out);
                if (n <= 0) {
                    throw new ImageFormatException(ova + ": archive member '" + m.name() + "' is truncated");
                }
                done += n;
            }
        }
    }

    /** Checks every "SHA1(name)= hex" / "SHA256(name)= hex" line against the member it names. */
    private static void verifyManifest(Path ova, TarArchive.Member mf, List<TarArchive.Member> members)
            throws IOException {
        if (mf.size() > 1 << 20) {
            throw new ImageFormatException(ova + ": manifest is larger than 1 MiB");
        }
        for (String line : new String(bytes(ova, mf), StandardCharsets.UTF_8).split("\n")) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            int open = line.indexOf('(');
            int close = line.indexOf(")=");
            if (open <= 0 || close < open) {
                throw new ImageFormatException(ova + ": manifest line is malformed: " + line);
            }
            String algo = switch (line.substring(0, open).toUpperCase(Locale.ROOT)) {
                case "SHA1" -> "SHA-1";
                case "SHA256" -> "SHA-256";
                case "SHA512" -> "SHA-512";
                default -> throw new ImageFormatException(ova + ": manifest uses unknown digest "
                        + line.substring(0, open));
            };
            String file = line.substring(open + 1, close);
            String want = line.substring(close + 2).trim().toLowerCase(Locale.ROOT);
            TarArchive.Member m = member(ova, members, file);
            String have = HexFormat.of().formatHex(digest(ova, m, algo));
            if (!have.equals(want)) {
                throw new ImageFormatException(ova + ": '" + file + "' does not match its manifest digest");
            }
        }
    }

    private static byte[] digest(Path ova, TarArchive.Member m, String algo) throws IOException {
        MessageDigest md = newDigest(algo);
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(ova)) {
            long done = 0;
            while (done < m.size()) {
                b.clear().limit((int) Math.min(b.capacity(), m.size() - done));
                int n = ch.read(b, m.offset() + done);
                if (n < 0) {
                    throw new ImageFormatException(ova + ": archive member '" + m.name() + "' is truncated");
                }
                md.update(b.flip());
                done += n;
            }
        }
        return md.digest();
    }

    private static byte[] sha256(byte[] data) {
        return newDigest("SHA-256").digest(data);
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest md = newDigest("SHA-256");
        ByteBuffer b = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file)) {
            while (ch.read(b.clear()) > 0) {
                md.update(b.flip());
            }
        }
        return md.digest();
    }

    private static MessageDigest newDigest(String algo) {
        try {
            return MessageDigest.getInstance(algo);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algo, e);
        }
    }
}
