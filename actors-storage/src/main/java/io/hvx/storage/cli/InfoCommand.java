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
                    j.append("    \"format\": ").append(Json.quote(fmt.qemuName())).append(",\n");
                    j.append("    \"actual-size\": ").append(actual).append(",\n");
                    j.append("    \"dirty-flag\": false\n}");
                    out.println(j);
                } else {
                    out.println("image: " + file);
                    out.println("file format: " + fmt.qemuName());
                    out.println("virtual size: " + human(dev.size()) + " (" + dev.size() + " bytes)");
                    out.println("disk size: " + human(actual));
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
