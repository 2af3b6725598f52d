package io.hvx.storage.store.cli;

import io.hvx.storage.snapshot.CowSnapshot;
import io.hvx.storage.snapshot.SnapshotStore;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.PushResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image commit SNAPSHOT --name NEW`: stores a snapshot as a new base image, uploading only new chunks. */
@Command(name = "commit", mixinStandardHelpOptions = true,
        description = "Push a snapshot back to the store as a new base image; unchanged chunks are not read again.")
public final class CommitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Parameters(index = "0", paramLabel = "SNAPSHOT")
    String snapshot;
    @Option(names = "--name", required = true, description = "name of the new image")
    String name;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar")
    boolean progress;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        try (ImageStore images = store.open();
                CowSnapshot snap = store.snapshots().open(snapshot, "commit to '" + name + "'", images, images)) {
            ProgressBar bar = new ProgressBar(spec.commandLine().getOut(), snap.size(), progress);
            PushResult r = SnapshotStore.commit(snap, name, images, bar);
            bar.done();
            Report.push(spec.commandLine().getOut(), r, (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
