package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.Converter;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.image.OutputFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image convert`: copy an image into another format; the output appears only when complete. */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "Convert an image to another format.")
final class ConvertCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "input format (detected when absent)")
    String inputFormat;
    @Option(names = "-O", description = "output format (default raw)", defaultValue = "raw")
    String outputFormat;
    @Option(names = "-o", description = "output format options, key=value[,key=value]")
    String options;
    @Option(names = "-p", description = "show progress")
    boolean progress;
    @Option(names = "-c", description = "compress the output (qcow2)")
    boolean compress;
    @Parameters(index = "0", description = "input image")
    Path input;
    @Parameters(index = "1", description = "output image")
    Path output;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        OutputFile target = new OutputFile(output);
        try {
            ImageFormat inFmt = inputFormat == null ? ImageOpener.detect(input) : ImageFormat.byName(inputFormat);
            ImageFormat outFmt = ImageFormat.byName(outputFormat);
            var opts = Options.parse(options);
            if (input.toAbsolutePath().normalize().equals(target.target().normalize())) {
                throw new java.io.IOException("output must not be the input image");
            }
            try (BlockDevice src = ImageOpener.open(input, inFmt, true)) {
                try (BlockDevice dst = ImageCreator.create(target, outFmt, src.size(), opts)) {
                    if (compress) {
                        if (!(dst instanceof io.hvx.storage.qcow2.Qcow2Image q)) {
                            throw new ImageFormatException("Compression not supported for this file format");
                        }
                        q.compressWrites(true);
                    }
                    Progress bar = new Progress(out, src.size(), progress);
                    new Converter().copy(src, dst, bar::update);
                    bar.done();
                }
            }
            target.commit();
            return 0;
        } catch (Exception e) {
            target.abandon();
            return Failures.report(err, e, 1);
        }
    }
}
