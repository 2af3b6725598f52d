package io.hvx.storage.store.cli;

import io.hvx.storage.store.GcResult;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.StoreSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** `hvx image gc`: frees chunks that no image refers to. */
@Command(name = "gc", mixinStandardHelpOptions = true, description = "Remove chunks no stored image refers to.")
public final class GcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    StoreOptions store;
    @Option(names = "--grace", paramLabel = "SECONDS",
            description = "keep unreferenced chunks younger than this (default: hvx.storage.store.gc-grace)")
    Long graceSeconds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            StoreSettings settings = StoreSettings.from(store.load());
            if (graceSeconds != null && graceSeconds < 0) {
                throw new IllegalArgumentException("--grace must be 0 or more seconds");
            }
            Duration grace = graceSeconds == null ? settings.gcGrace() : Duration.ofSeconds(graceSeconds);
            try (ImageStore images = ImageStore.open(settings)) {
                GcResult r = images.gc(grace);
                out.printf("images %d, chunks kept %d, removed %d (%s), unreferenced but younger than %ds %d,"
                        + " interrupted writes removed %d%n", r.images(), r.chunksKept(), r.chunksRemoved(),
                        Report.size(r.bytesRemoved()), grace.toSeconds(), r.youngKept(), r.incompleteRemoved());
                out.flush();
            }
            return 0;
        } catch (Exception e) {
            return Report.failure(spec.commandLine().getErr(), e);
        }
    }
}
