package io.hvx.storage.store.cli;

import io.hvx.storage.snapshot.SnapshotStore;
import io.hvx.storage.store.ImageStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image snapshot NAME --base IMAGE`: starts a copy-on-write snapshot of a stored image on this node. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Start a copy-on-write snapshot of a stored image on this node's local storage.")
public final class SnapshotCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "NAME", description = "name of the new snapshot")
    String name;
    @Option(names = "--base", required = true, description = "the stored image it starts from")
    String base;

    @Override
    public Integer call() {
        try (ImageStore images = store.open()) {
            store.snapshots().create(name, base, images);
            spec.commandLine().getOut().println("snapshot '" + name + "' of '" + base + "' created");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
