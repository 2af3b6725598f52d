package io.hvx.storage.store.cli;

import io.hvx.storage.store.ImageStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image rm N`: removes an image; its chunks go at the next gc. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove a stored image (its chunks are freed by 'hvx image gc').")
public final class RmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        try (ImageStore images = store.open()) {
            images.remove(name);
            spec.commandLine().getOut().println("removed '" + name + "'");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
