package io.hvx.storage.cli;

import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.qcow2.Qcow2Image;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image check`: refcount consistency; exit 0 clean, 1 check failed, 2 corruptions, 3 leaks, 63 unsupported. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Check an image for consistency.")
final class CheckCommand implements Callable<Integer> {
    static final int CLEAN = 0;
    static final int FAILED = 1;
    static final int CORRUPT = 2;
    static final int LEAKS = 3;
    static final int UNSUPPORTED = 63;

    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "image format (detected when absent)")
    String format;
    @Option(names = "--output", description = "human or json", defaultValue = "human")
    String output;
    @Option(names = "-r", description = "repair: leaks or all (refcounts are rebuilt from the tables)")
    String repair;
    @Parameters(index = "0", description = "image file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            ImageFormat fmt = format == null ? ImageOpener.detect(file) : ImageFormat.byName(format);
            if (fmt != ImageFormat.QCOW2) {
                spec.commandLine().getErr().println("hvx image: this image format does not support checks");
                return UNSUPPORTED;
            }
            if (repair != null && !repair.equals("leaks") && !repair.equals("all")) {
                throw new io.hvx.storage.block.ImageFormatException("-r takes 'leaks' or 'all', not '" + repair + "'");
            }
            long[] result;
            try (Qcow2Image q = Qcow2Image.open(file, true)) {
                result = q.check();
            }
            if (repair != null && (result[1] > 0 || (result[0] > 0 && repair.equals("all")))) {
                try (Qcow2Image q = Qcow2Image.open(file, false)) {
                    q.repairRefcounts();
                }
                long[] after;
                try (Qcow2Image q = Qcow2Image.open(file, true)) {
                    after = q.check();
                }
                if (!"json".equals(output)) {
                    out.println("The following inconsistencies were found and repaired:\n");
                    out.println("    " + Math.max(0, result[1] - after[1]) + " leaked clusters");
                    out.println("    " + Math.max(0, result[0] - after[0]) + " corruptions\n");
                    out.println("Double checking the fixed image now...");
                }
                result = after;
            }
            long corruptions = result[0];
            long leaks = result[1];
            if ("json".equals(output)) {
                out.println("{\n    \"filename\": " + Json.quote(file.toString()) + ",\n    \"format\": \"qcow2\",\n"
                        + "    \"check-errors\": 0,\n    \"corruptions\": " + corruptions + ",\n    \"leaks\": " + leaks
                        + "\n}");
            } else if (corruptions == 0 && leaks == 0) {
                out.println("No errors were found on the image.");
            } else {
                if (corruptions > 0) {
                    out.println(corruptions + " errors were found on the image.");
                    out.println("Data may be corrupted, or further writes to the image may corrupt it.");
                }
                if (leaks > 0) {
                    out.println(leaks + " leaked clusters were found on the image.");
                    out.println("This means waste of disk space, but no harm to data.");
                }
            }
            out.flush();
            return corruptions > 0 ? CORRUPT : leaks > 0 ? LEAKS : CLEAN;
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, FAILED);
        }
    }
}
