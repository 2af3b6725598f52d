package io.hvx.storage.store.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.Converter;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.OutputFile;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.StoreImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image pull N FILE [-O fmt]`: writes a stored image to a file; the file appears only when complete. */
@Command(name = "pull", mixinStandardHelpOptions = true, description = "Write a stored image to a disk image file.")
public final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "NAME", description = "image in the store")
    String name;
    @Parameters(index = "1", paramLabel = "FILE", description = "output file")
    Path file;
    @Option(names = "-O", description = "output format (default raw)", defaultValue = "raw")
    String format;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar")
    boolean progress;

    @Override
    public Integer call() {
        OutputFile target = new OutputFile(file);
        try (ImageStore images = store.open()) {
            ImageFormat fmt = ImageFormat.byName(format);
            try (StoreImage source = images.open(name);
                    BlockDevice dst = ImageCreator.create(target.temp(), fmt, source.size(), Map.of())) {
                ProgressBar bar = new ProgressBar(spec.commandLine().getOut(), source.size(), progress);
                new Converter().copy(source, dst, bar::progress);
                bar.done();
            }
            target.commit();
            return 0;
        } catch (Exception e) {
            target.abandon();
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
