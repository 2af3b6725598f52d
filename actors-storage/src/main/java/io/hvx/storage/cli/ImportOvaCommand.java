package io.hvx.storage.cli;

import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.ova.Ova;
import io.hvx.storage.ova.OvfDescriptor;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `hvx image import-ova`: the disks of an OVA converted into a directory, and the VM its descriptor describes. */
@Command(name = "import-ova", mixinStandardHelpOptions = true,
        description = "Import an OVA: convert its disks and print its VM's CPUs, memory, NICs and disks.")
final class ImportOvaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "-O", description = "disk format to write (default qcow2)", defaultValue = "qcow2")
    String outputFormat;
    @Option(names = "-o", description = "output format options, key=value[,key=value]")
    String options;
    @Option(names = "-p", description = "show progress")
    boolean progress;
    @Option(names = "--output", description = "human or json", defaultValue = "human")
    String output;
    @Parameters(index = "0", description = "OVA file")
    Path ova;
    @Parameters(index = "1", description = "directory for the disks")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Files.createDirectories(dir);
            Progress bar = new Progress(out, Files.size(ova), progress);
            Ova.Imported r = Ova.importOva(ova, dir, ImageFormat.byName(outputFormat), Options.parse(options),
                    bar::update);
            bar.done();
            OvfDescriptor vm = r.vm();
            if ("json".equals(output)) {
                StringBuilder j = new StringBuilder("{\n    \"name\": ").append(Json.quote(vm.name()))
                        .append(",\n    \"cpus\": ").append(vm.cpus())
                        .append(",\n    \"memory-bytes\": ").append(vm.memoryBytes()).append(",\n    \"nics\": [");
                for (int i = 0; i < vm.nics().size(); i++) {
                    OvfDescriptor.Nic n = vm.nics().get(i);
                    j.append(i == 0 ? "" : ", ").append("{\"network\": ").append(Json.quote(n.network()))
                            .append(", \"type\": ").append(Json.quote(n.adapterType())).append('}');
                }
                j.append("],\n    \"disks\": [");
                for (int i = 0; i < r.disks().size(); i++) {
                    j.append(i == 0 ? "" : ", ").append("{\"file\": ").append(Json.quote(r.disks().get(i).toString()))
                            .append(", \"capacity\": ").append(vm.disks().get(i).capacityBytes()).append('}');
                }
                out.println(j.append("]\n}"));
            } else {
                out.println("name: " + vm.name());
                out.println("cpus: " + vm.cpus());
                out.println("memory: " + InfoCommand.human(vm.memoryBytes()));
                for (OvfDescriptor.Nic n : vm.nics()) {
                    out.println("nic: " + n.adapterType() + " on '" + n.network() + "'");
                }
                for (int i = 0; i < r.disks().size(); i++) {
                    out.println("disk: " + r.disks().get(i) + " (" + vm.disks().get(i).capacityBytes() + " bytes)");
                }
            }
            out.flush();
            return 0;
        } catch (Exception e) {
            return Failures.report(spec.commandLine().getErr(), e, 1);
        }
    }
}
