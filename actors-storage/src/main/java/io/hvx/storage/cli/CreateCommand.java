package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.image.OutputFile;
import io.hvx.storage.image.SizeParser;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image create`: a new empty image, optionally on top of a backing file. */
@Command(name = "create", mixinStandardHelpOptions = true, description = "Create a new image.")
final class CreateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "format (default raw)", defaultValue = "raw")
    String format;
    @Option(names = "-o", description = "format options, key=value[,key=value]")
    String options;
    @Option(names = "-b", description = "backing file")
    String backing;
    @Option(names = "-F", description = "backing file format")
    String backingFormat;
    @Parameters(index = "0")
    Path file;
    @Parameters(index = "1", arity = "0..1", description = "virtual size (k, M, G, T suffixes)")
    String size;

    @Override
    public Integer call() {
        OutputFile target = new OutputFile(file);
        try {
            ImageFormat fmt = ImageFormat.byName(format);
            var opts = Options.parse(options);
            if (backing != null) {
                opts.put("backing_file", backing);
            }
            if (backingFormat != null) {
                opts.put("backing_fmt", backingFormat);
            }
            long bytes;
            if (size != null) {
                bytes = SizeParser.parse(size);
            } else if (opts.containsKey("backing_file")) {
                Path bp = file.toAbsolutePath().resolveSibling(opts.get("backing_file"));
                String bf = opts.get("backing_fmt");
                try (BlockDevice b = ImageOpener.open(bp, bf == null ? null : ImageFormat.byName(bf), true)) {
                    bytes = b.size();
                }
            } else {
                throw new ImageFormatException("image size must be specified");
            }
            try (BlockDevice ignored = ImageCreator.create(target, fmt, bytes, opts)) {
                // Created and closed: the empty image is complete.
            }
            target.commit();
            spec.commandLine().getOut().println("Formatting '" + file + "', fmt=" + fmt.qemuName() + " size=" + bytes);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            target.abandon();
            return Failures.report(spec.commandLine().getErr(), e, 1);
        }
    }
}
