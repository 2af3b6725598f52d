package io.hvx.storage.store.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.PushResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image push FILE --name N`: stores a disk image of any supported format in the image store. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Store a disk image (raw, qcow2, vmdk, vpc, vdi) in the image store, chunked and deduplicated.")
public final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "FILE", description = "the disk image to store")
    Path file;
    @Option(names = "--name", required = true, description = "name of the image in the store")
    String name;
    @Option(names = "-f", description = "input format (detected when absent)")
    String format;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar (default when the output is a terminal)")
    boolean progress;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ImageStore images = store.open()) {
            ImageFormat fmt = format == null ? ImageOpener.detect(file) : ImageFormat.byName(format);
            long start = System.nanoTime();
            try (BlockDevice source = ImageOpener.open(file, fmt, true)) {
                ProgressBar bar = new ProgressBar(out, source.size(), progress || System.console() != null);
                PushResult result = images.push(source, name, bar);
                bar.done();
                Report.push(out, result, (System.nanoTime() - start) / 1e9);
            }
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
