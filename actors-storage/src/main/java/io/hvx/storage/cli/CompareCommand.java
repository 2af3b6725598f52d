package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.Comparator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image compare`: exit 0 when the guest sees the same bytes, 1 when they differ, 2 on error. */
@Command(name = "compare", mixinStandardHelpOptions = true, description = "Compare the contents of two images.")
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "first image format")
    String format1;
    @Option(names = "-F", description = "second image format")
    String format2;
    @Option(names = "-s", description = "strict: images of different sizes differ")
    boolean strict;
    @Option(names = "-p", description = "show progress (accepted for compatibility)")
    boolean progress;
    @Parameters(index = "0")
    Path first;
    @Parameters(index = "1")
    Path second;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            ImageFormat f1 = format1 == null ? ImageOpener.detect(first) : ImageFormat.byName(format1);
            ImageFormat f2 = format2 == null ? ImageOpener.detect(second) : ImageFormat.byName(format2);
            try (BlockDevice a = ImageOpener.open(first, f1, true); BlockDevice b = ImageOpener.open(second, f2, true)) {
                Comparator.Result r = new Comparator().compare(a, b, strict);
                if (r.sizeMismatch()) {
                    out.println(strict ? "Strict mode: Image size mismatch!" : "Warning: Image size mismatch!");
                }
                if (r.identical()) {
                    out.println("Images are identical.");
                    out.flush();
                    return 0;
                }
                if (!(strict && r.sizeMismatch())) {
                    out.println("Content mismatch at offset " + r.firstDifference() + "!");
                }
                out.flush();
                return 1;
            }
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, 2);
        }
    }
}
