package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.image.SizeParser;
import io.hvx.storage.qcow2.Qcow2Image;
import io.hvx.storage.raw.RawImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image resize`: change an image's virtual size; "+N"/"-N" are relative to the current size. */
@Command(name = "resize", mixinStandardHelpOptions = true, description = "Change the virtual size of an image.")
final class ResizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "image format (detected when absent)")
    String format;
    @Option(names = "--shrink", description = "allow the image to shrink (raw only)")
    boolean shrink;
    @Parameters(index = "0")
    Path file;
    @Parameters(index = "1", description = "new size, or +N / -N")
    String size;

    @Override
    public Integer call() {
        try {
            ImageFormat fmt = format == null ? ImageOpener.detect(file) : ImageFormat.byName(format);
            try (BlockDevice dev = ImageOpener.open(file, fmt, false)) {
                long target;
                if (size.startsWith("+")) {
                    target = dev.size() + SizeParser.parse(size.substring(1));
                } else if (size.startsWith("-")) {
                    target = dev.size() - SizeParser.parse(size.substring(1));
                } else {
                    target = SizeParser.parse(size);
                }
                if (target < 0) {
                    throw new ImageFormatException("new size would be negative");
                }
                if (target < dev.size() && !shrink) {
                    throw new ImageFormatException("use the --shrink option to shrink an image");
                }
                switch (dev) {
                    case Qcow2Image q -> q.resize(target);
                    case RawImage r -> r.resize(target);
                    default -> throw new ImageFormatException("this format cannot be resized");
                }
            }
            spec.commandLine().getOut().println("Image resized.");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, 1);
        }
    }
}
