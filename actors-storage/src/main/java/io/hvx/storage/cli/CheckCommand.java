package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.Checkable;
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

/** `hvx image check`: table consistency (qcow2, vmdk, vdi, vhdx); exit 0 clean, 1 check failed, 2 corruptions, 3 leaks, 63 unsupported. */
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
            if (repair != null && !repair.equals("leaks") && !repair.equals("all")) {
                throw new io.hvx.storage.block.ImageFormatException("-r takes 'leaks' or 'all', not '" + repair + "'");
            }
            Checkable.Result result;
            try (BlockDevice d = ImageOpener.open(file, fmt, true)) {
                if (!(d instanceof Checkable c)) {
                    // qemu-img checks qcow2, vmdk, vdi and vhdx; raw and vpc answer "not supported" with 63.
                    spec.commandLine().getErr().println("hvx image: this image format does not support checks");
                    return UNSUPPORTED;
                }
                result = c.check();
            }
            if (repair != null && (result.leaks() > 0 || (result.corruptions() > 0 && repair.equals("all")))) {
                if (fmt != ImageFormat.QCOW2) {
                    throw new io.hvx.storage.block.ImageFormatException("repairing " + fmt.qemuName()
                            + " images is not supported");
                }
                try (Qcow2Image q = Qcow2Image.open(file, false)) {
                    q.repairRefcounts();
                }
                Checkable.Result after;
                try (Qcow2Image q = Qcow2Image.open(file, true)) {
                    after = q.check();
                }
                if (!"json".equals(output)) {
                    out.println("The following inconsistencies were found and repaired:\n");
                    out.println("    " + Math.max(0, result.leaks() - after.leaks()) + " leaked clusters");
                    out.println("    " + Math.max(0, result.corruptions() - after.corruptions()) + " corruptions\n");
                    out.println("Double checking the fixed image now...");
                }
                result = after;
            }
            long corruptions = result.corruptions();
            long leaks = result.leaks();
            if ("json".equals(output)) {
                out.println("{\n    \"filename\": " + Json.quote(file.toString()) + ",\n    \"format\": "
                        + Json.quote(fmt.qemuName()) + ",\n"
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
