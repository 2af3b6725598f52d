package io.hvx.storage.image;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.qcow2.Qcow2CreateOptions;
import io.hvx.storage.qcow2.Qcow2Image;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.vdi.VdiImage;
import io.hvx.storage.vhd.VhdImage;
import io.hvx.storage.vhdx.VhdxImage;
import io.hvx.storage.vmdk.StreamOptimizedWriter;
import io.hvx.storage.vmdk.VmdkDescriptor;
import io.hvx.storage.vmdk.VmdkImage;
import io.hvx.storage.vmdk.VmdkSparseImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Creates empty images of a format from qemu-img style options (-o cluster_size=...,backing_file=...). */
public final class ImageCreator {
    private ImageCreator() {}

    /** Creates an image directly at path; files a format needs besides it are named after path. */
    public static BlockDevice create(Path path, ImageFormat format, long size, Map<String, String> options)
            throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        return create(path, path.getFileName().toString(), name -> dir.resolve(name), format, size, options);
    }

    /** Creates an image at out's temporary name; extra files (VMDK extents) get temporary names that commit moves. */
    public static BlockDevice create(OutputFile out, ImageFormat format, long size, Map<String, String> options)
            throws IOException {
        return create(out.temp(), out.target().getFileName().toString(), out::companion, format, size, options);
    }

    private static BlockDevice create(Path path, String finalName, java.util.function.Function<String, Path> companion,
            ImageFormat format, long size, Map<String, String> options) throws IOException {
        return switch (format) {
            case RAW -> {
                rejectUnknown(options, "preallocation");
                yield RawImage.create(path, size);
            }
            case QCOW2 -> {
                rejectUnknown(options, "cluster_size", "backing_file", "backing_fmt", "compat", "compression_type",
                        "extended_l2");
                int clusterSize = (int) SizeParser.parse(options.getOrDefault("cluster_size", "65536"));
                if (Integer.bitCount(clusterSize) != 1) {
                    throw new ImageFormatException("cluster size must be a power of two: " + clusterSize);
                }
                String compat = options.getOrDefault("compat", "1.1");
                if (!compat.equals("1.1") && !compat.equals("v3")) {
                    throw new ImageFormatException("only compat=1.1 (qcow2 version 3) can be written");
                }
                yield Qcow2Image.create(path, size, new Qcow2CreateOptions(Integer.numberOfTrailingZeros(clusterSize),
                        options.get("backing_file"), options.get("backing_fmt"),
                        options.getOrDefault("compression_type", "zlib"), onOff(options, "extended_l2")));
            }
            case VMDK -> {
                rejectUnknown(options, "subformat", "adapter_type");
                String sub = options.getOrDefault("subformat", "monolithicSparse");
                String adapter = options.getOrDefault("adapter_type", "ide");
                if (!java.util.List.of("ide", "buslogic", "lsilogic", "legacyESX").contains(adapter)) {
                    throw new ImageFormatException("unknown VMDK adapter_type '" + adapter + "'");
                }
                yield switch (sub) {
                    case "streamOptimized" -> StreamOptimizedWriter.create(path, size, finalName);
                    case "monolithicSparse" -> {
                        long capacity = (size + 511) / 512;
                        String d = VmdkDescriptor.forNew(sub, java.util.List.of(new VmdkDescriptor.Extent("RW",
                                capacity, "SPARSE", finalName, 0)), adapter).render();
                        yield VmdkSparseImage.create(path, capacity, d);
                    }
                    case "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat" ->
                            VmdkImage.create(path, finalName, sub, size, adapter, companion);
                    default -> throw new ImageFormatException("unknown VMDK subformat '" + sub + "'");
                };
            }
            case VDI -> {
                rejectUnknown(options, "static", "preallocation");
                yield VdiImage.create(path, size, onOff(options, "static")
                        || "full".equals(options.get("preallocation")));
            }
            case VHDX -> {
                rejectUnknown(options, "subformat");
                String sub = options.getOrDefault("subformat", "dynamic");
                if (!sub.equals("dynamic") && !sub.equals("fixed")) {
                    throw new ImageFormatException("invalid VHDX subformat '" + sub + "' (dynamic or fixed)");
                }
                yield VhdxImage.create(path, size, sub.equals("fixed"));
            }
            case VPC -> {
                rejectUnknown(options, "subformat", "backing_file", "backing_fmt");
                if (options.containsKey("backing_file")) {
                    String bf = options.getOrDefault("backing_fmt", "vpc");
                    if (!bf.equals("vpc")) {
                        throw new ImageFormatException("a differencing VHD needs a VHD (vpc) parent, not " + bf);
                    }
                    yield VhdImage.createDifferencing(path, options.get("backing_file"));
                }
                String sub = options.getOrDefault("subformat", "dynamic");
                if (!sub.equals("dynamic") && !sub.equals("fixed")) {
                    throw new ImageFormatException("invalid VHD subformat '" + sub + "' (dynamic or fixed)");
                }
                yield VhdImage.create(path, size, sub.equals("fixed"));
            }
        };
    }

    private static boolean onOff(Map<String, String> options, String key) throws ImageFormatException {
        String v = options.getOrDefault(key, "off");
        return switch (v) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new ImageFormatException("parameter '" + key + "' expects 'on' or 'off', not '" + v + "'");
        };
    }

    private static void rejectUnknown(Map<String, String> options, String... known) throws ImageFormatException {
        for (String k : options.keySet()) {
            if (!java.util.List.of(known).contains(k)) {
                throw new ImageFormatException("invalid option '" + k + "' for this format");
            }
        }
    }
}
