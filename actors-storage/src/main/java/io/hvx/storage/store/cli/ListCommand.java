package io.hvx.storage.store.cli;

import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.Manifest;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image list`: the images in the store. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the images in the store.")
public final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ImageStore images = store.open()) {
            out.printf("%-32s %12s %10s  %s%n", "NAME", "SIZE", "CHUNKS", "CREATED");
            for (Manifest m : images.list()) {
                out.printf("%-32s %12s %10d  %s%n", m.name(), Report.size(m.size()), m.chunks().length, m.created());
            }
            out.flush();
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
