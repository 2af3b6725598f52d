package io.hvx.storage.store.cli;

import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.Manifest;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image show N`: one image's manifest summary. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a stored image.")
public final class ShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ImageStore images = store.open()) {
            Manifest m = images.manifest(name);
            out.println("name: " + m.name());
            out.println("virtual size: " + Report.size(m.size()) + " (" + m.size() + " bytes)");
            out.println("chunk size: " + m.chunkSize());
            out.println("chunks: " + m.chunks().length + " (zero " + m.zeroChunks() + ", distinct "
                    + m.distinctChunks().size() + ")");
            out.println("created: " + m.created());
            out.println("parent: " + (m.parent() == null ? "-" : m.parent()));
            out.flush();
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
