package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.qcow2.Qcow2Image;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image info`: format, sizes and format details of an image. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show information about an image.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "image format (detected when absent)")
    String format;
    @Option(names = "--output", description = "human or json", defaultValue = "human")
    String output;
    @Parameters(index = "0", description = "image file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            ImageFormat fmt = format == null ? ImageOpener.detect(file) : ImageFormat.byName(format);
            try (BlockDevice dev = ImageOpener.open(file, fmt, true)) {
                long actual = Files.size(file);
                if ("json".equals(output)) {
                    StringBuilder j = new StringBuilder("{\n");
                    j.append("    \"virtual-size\": ").append(dev.size()).append(",\n");
                    j.append("    \"filename\": ").append(Json.quote(file.toString())).append(",\n");
                    if (dev instanceof Qcow2Image q) {
                        j.append("    \"cluster-size\": ").append(q.clusterSize()).append(",\n");
                        if (q.backingFile() != null) {
                            j.append("    \"backing-filename\": ").append(Json.quote(q.backingFile())).append(",\n");
                        }
                        if (q.backingFormat() != null) {
                            j.append("    \"backing-filename-format\": ").append(Json.quote(q.backingFormat()))
                                    .append(",\n");
                        }
                        j.append("    \"format-specific\": {\"type\": \"qcow2\", \"data\": {\"compat\": \"")
                                .append(q.version() >= 3 ? "1.1" : "0.10").append("\", \"compression-type\": \"")
                                .append(q.compressionType()).append("\", \"extended-l2\": ").append(q.extendedL2())
                                .append(", \"refcount-bits\": ")
                                .append(q.refcountBits()).append("}},\n");
                    }
                    if (dev instanceof Qcow2Image q && !q.snapshots().isEmpty()) {
                        j.append("    \"snapshots\": [");
                        for (int i = 0; i < q.snapshots().size(); i++) {
                            Qcow2Image.Snapshot s = q.snapshots().get(i);
                            j.append(i == 0 ? "" : ", ").append("{\"id\": ").append(Json.quote(s.id()))
                                    .append(", \"name\": ").append(Json.quote(s.name()))
                                    .append(", \"vm-state-size\": ").append(s.vmStateSize())
                                    .append(", \"date-sec\": ").append(s.dateSeconds()).append('}');
                        }
                        j.append("],\n");
                    }
                    String sub = subformat(dev);
                    if (sub != null) {
                        j.append("    \"format-specific\": {\"type\": ").append(Json.quote(fmt.qemuName()))
                                .append(", \"data\": {\"create-type\": ").append(Json.quote(sub)).append("}},\n");
                    }
                    j.append("    \"format\": ").append(Json.quote(fmt.qemuName())).append(",\n");
                    j.append("    \"actual-size\": ").append(actual).append(",\n");
                    j.append("    \"dirty-flag\": false\n}");
                    out.println(j);
                } else {
                    out.println("image: " + file);
                    out.println("file format: " + fmt.qemuName());
                    out.println("virtual size: " + human(dev.size()) + " (" + dev.size() + " bytes)");
                    out.println("disk size: " + human(actual));
                    String sub = subformat(dev);
                    if (sub != null) {
                        out.println("Format specific information:");
                        out.println("    create type: " + sub);
                    }
                    if (dev instanceof Qcow2Image q) {
                        out.println("cluster_size: " + q.clusterSize());
                        if (q.backingFile() != null) {
                            out.println("backing file: " + q.backingFile());
                        }
                        if (q.backingFormat() != null) {
                            out.println("backing file format: " + q.backingFormat());
                        }
                        if (!q.snapshots().isEmpty()) {
                            out.println("Snapshot list:");
                            out.println("ID        TAG               VM SIZE                DATE");
                            for (Qcow2Image.Snapshot s : q.snapshots()) {
                                out.printf("%-9s %-17s %7s %s%n", s.id(), s.name(), human(s.vmStateSize()),
                                        java.time.Instant.ofEpochSecond(s.dateSeconds()));
                            }
                        }
                        out.println("Format specific information:");
                        out.println("    compat: " + (q.version() >= 3 ? "1.1" : "0.10"));
                        out.println("    compression type: " + q.compressionType());
                        out.println("    extended l2: " + q.extendedL2());
                        out.println("    refcount bits: " + q.refcountBits());
                    }
                }
                out.flush();
                return 0;
            }
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, 1);
        }
    }

    /** The variant of formats that have several (VMDK create type, VHD/VHDX/VDI subformat), else null. */
    private static String subformat(BlockDevice dev) {
        return switch (dev) {
            case io.hvx.storage.vmdk.VmdkImage v -> v.createType();
            case io.hvx.storage.vmdk.VmdkSparseImage v -> v.streamOptimized() ? "streamOptimized" : "monolithicSparse";
            case io.hvx.storage.vhd.VhdImage v -> v.subformat();
            case io.hvx.storage.vhdx.VhdxImage v -> v.subformat();
            case io.hvx.storage.vdi.VdiImage v -> v.subformat();
            default -> null;
        };
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (u == 0) {
            return bytes + " B";
        }
        return (v == Math.floor(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.3g", v))
                + " " + units[u];
    }
}
