package io.hvx.storage.cli;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.ova.Ova;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image export-ova`: one disk plus an OVF descriptor and manifest, packed as an OVA. */
@Command(name = "export-ova", mixinStandardHelpOptions = true,
        description = "Export a disk as an OVA (streamOptimized VMDK, OVF descriptor, SHA-256 manifest).")
final class ExportOvaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-f", description = "disk format (detected when absent)")
    String format;
    @Option(names = "--name", description = "VM name (default: the OVA's file name)")
    String name;
    @Option(names = "--cpus", defaultValue = "1", description = "virtual CPUs")
    int cpus;
    @Option(names = "--memory", defaultValue = "1024", description = "memory in MiB")
    long memory;
    @Option(names = "--network", description = "network a NIC connects to (repeatable)")
    List<String> networks;
    @Option(names = "-p", description = "show progress")
    boolean progress;
    @Parameters(index = "0", description = "disk image")
    Path disk;
    @Parameters(index = "1", description = "OVA file to write")
    Path ova;

    @Override
    public Integer call() {
        try {
            ImageFormat fmt = format == null ? ImageOpener.detect(disk) : ImageFormat.byName(format);
            String vmName = name != null ? name : ova.getFileName().toString().replaceFirst("(?i)\\.ova$", "");
            try (BlockDevice d = ImageOpener.open(disk, fmt, true)) {
                Progress bar = new Progress(spec.commandLine().getOut(), d.size(), progress);
                Ova.exportOva(d, ova, vmName, cpus, memory, networks == null ? List.of("VM Network") : networks,
                        bar::update);
                bar.done();
            }
            return 0;
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, 1);
        }
    }
}
