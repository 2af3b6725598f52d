package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import io.hvx.runtime.http.MemorySize;
import io.hvx.runtime.vm.VmSpecException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code hvx vm ...}: define, run and watch VMs on the software CPU. */
@Command(name = "vm", mixinStandardHelpOptions = true,
    description = "Create, run, list and attach to VMs (the node's guest kit boots when no kernel is given).",
    subcommands = {VmCommand.Create.class, VmCommand.ListVms.class, VmCommand.Show.class, VmCommand.Start.class,
        VmCommand.Pause.class, VmCommand.Resume.class, VmCommand.Stop.class, VmCommand.Remove.class,
        VmCommand.Console.class, VmCommand.Run.class, VmCommand.CommitDisk.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (run/console: the guest powered off, or you detached)", "1:refused by the node",
        "2:bad flags", "3:no node answered", "4:the token was refused",
        "5:the VM failed (could not boot, triple fault, unsupported instruction, host error)",
        "6:the VM was stopped from the host"})
final class VmCommand {
  /** Creating may build the guest kit first (a download), so it waits longer than other requests. */
  private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(30);

  static String path(String vm) {
    return "/hvx/vms/" + URLEncoder.encode(vm, StandardCharsets.UTF_8);
  }

  /** Base of the subcommands: connection flags and table or JSON output of one VM. */
  abstract static class VmSubcommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    /**
     * Prints the VM the node answered with; a VM that failed to boot (its start is answered with the failure)
     * also gets the reason on stderr and exit code {@link ExitCodes#VM_FAILED}.
     */
    int printOutcome(JsonNode vm) throws IOException {
      print(vm);
      if (!vm.path("state").asText().equals("failed")) {
        return ExitCodes.OK;
      }
      spec.commandLine().getErr().println("hvx: VM " + vm.path("name").asText() + " failed: "
          + vm.path("reason").asText("(no reason given)"));
      return ExitCodes.VM_FAILED;
    }

    void print(JsonNode vm) throws IOException {
      if (output == OutputFormat.json) {
        out().println(Json.MAPPER.writeValueAsString(vm));
        return;
      }
      PrintWriter out = out();
      String format = "%-9s %s%n";
      out.printf(format, "ID:", vm.path("id").asText());
      out.printf(format, "NAME:", vm.path("name").asText());
      out.printf(format, "NODE:", vm.path("node").asText());
      out.printf(format, "STATE:", vm.path("state").asText());
      if (vm.hasNonNull("outcome")) {
        out.printf(format, "OUTCOME:", vm.path("outcome").asText() + ": " + vm.path("reason").asText());
      }
      out.printf(format, "VCPUS:", vm.path("vcpus").asText());
      out.printf(format, "MEMORY:", NodeListCommand.bytes(vm.path("memoryBytes")));
      out.printf(format, "REBOOTS:", vm.path("reboots").asText());
      out.printf(format, "KERNEL:", vm.path("kernel").asText());
      out.printf(format, "INITRD:", vm.path("initrd").asText("-"));
      out.printf(format, "CMDLINE:", vm.path("cmdline").asText());
      out.printf(format, "IMAGE:", vm.hasNonNull("image") ? vm.path("image").asText()
          + " (root disk: copy-on-write snapshot vm-" + vm.path("id").asText() + ")" : "-");
      out.printf(format, "DISKS:", vm.path("disks").toString());
      out.printf(format, "NICS:", vm.path("nics").toString());
    }
  }

  /** The definition flags shared by create and run. */
  static final class Definition {
    @Option(names = "--name", description = "VM name (default: vm-<id>).") String name;
    @Option(names = "--vcpus", description = "vCPUs, 1-64 (default: 2).") Integer vcpus;
    @Option(names = "--memory", paramLabel = "SIZE", description = "RAM, e.g. 256M or 1G (default: 256M).") String memory;
    @Option(names = "--kernel", paramLabel = "FILE", description = "bzImage on the node (default: the guest kit's).")
    Path kernel;
    @Option(names = "--initrd", paramLabel = "FILE", description = "initramfs on the node.") Path initrd;
    @Option(names = "--append", paramLabel = "CMDLINE", description = "Kernel command line (default: console=ttyS0"
        + " panic=-1).") String append;
    @Option(names = "--image", paramLabel = "NAME", description = "Store image the root disk is a copy-on-write"
        + " snapshot of (virtio-blk /dev/vda); without --kernel the guest kit's disk variant boots it.")
    String image;
    @Option(names = "--disk", paramLabel = "volume=|image=|snapshot=NAME", description = "An extra virtio-blk disk:"
        + " a logical volume, a store image (read-only) or a snapshot on the node; repeat for more.")
    List<String> disks;
    @Option(names = {"--net", "--nic"}, paramLabel = "NETWORK[,mac=MAC][,ip=ADDRESS]", description = "A virtio-net NIC"
        + " on the node's hSwitch in a logical network (DHCP and DNS serve it by the VM's name); repeat for more.")
    List<String> nics;

    Map<String, Object> body(boolean start) {
      Map<String, Object> body = new LinkedHashMap<>();
      put(body, "name", name);
      put(body, "vcpus", vcpus);
      if (memory != null) {
        try {
          body.put("memory", MemorySize.parse(memory) >> 20);
        } catch (VmSpecException e) {
          throw new CliException(ExitCodes.USAGE, "--memory: " + e.getMessage());
        }
      }
      put(body, "kernel", kernel == null ? null : kernel.toAbsolutePath().toString());
      put(body, "initrd", initrd == null ? null : initrd.toAbsolutePath().toString());
      put(body, "cmdline", append);
      put(body, "image", image);
      put(body, "disks", disks);
      put(body, "nics", nics);
      body.put("start", start);
      return body;
    }

    private static void put(Map<String, Object> body, String key, Object value) {
      if (value != null) {
        body.put(key, value);
      }
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Define a VM on the node (not started).")
  static final class Create extends VmSubcommand {
    @Mixin Definition definition;
    @Option(names = "--start", description = "Start it right away.") boolean start;

    @Override
    public Integer call() throws Exception {
      return printOutcome(connection.client().post("/hvx/vms", definition.body(start), CREATE_TIMEOUT));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the VMs of the whole cluster.")
  static final class ListVms extends VmSubcommand {
    @Override
    public Integer call() throws Exception {
      JsonNode answer = connection.client().get("/hvx/vms");
      if (output == OutputFormat.json) {
        out().println(Json.MAPPER.writeValueAsString(answer.path("vms")));
        return ExitCodes.OK;
      }
      String format = "%-10s %-20s %-16s %-8s %5s %8s %7s  %s%n";
      out().printf(format, "ID", "NAME", "NODE", "STATE", "VCPUS", "MEMORY", "REBOOTS", "OUTCOME");
      for (JsonNode vm : answer.path("vms")) {
        out().printf(format, vm.path("id").asText(), vm.path("name").asText(), vm.path("node").asText(),
            vm.path("state").asText(), vm.path("vcpus").asText(), NodeListCommand.bytes(vm.path("memoryBytes")),
            vm.path("reboots").asText(), vm.path("outcome").asText("-"));
      }
      return ExitCodes.OK;
    }
  }

  /** A command on one VM named by id or name. */
  abstract static class OneVm extends VmSubcommand {
    @Parameters(index = "0", paramLabel = "VM", description = "VM id or name.") String vm;
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one VM.")
  static final class Show extends OneVm {
    @Override
    public Integer call() throws Exception {
      print(connection.client().get(path(vm)));
      return ExitCodes.OK;
    }
  }

  /** start, pause, resume and stop: a POST to the action named like the command. */
  abstract static class VmAction extends OneVm {
    @Override
    public Integer call() throws Exception {
      return printOutcome(connection.client().post(path(vm) + "/" + spec.name(), Map.of()));
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start (boot) a VM.")
  static final class Start extends VmAction {}

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a running VM's vCPUs.")
  static final class Pause extends VmAction {}

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused VM.")
  static final class Resume extends VmAction {}

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a VM (pulls the plug).")
  static final class Stop extends VmAction {}

  @Command(name = "commit", mixinStandardHelpOptions = true,
      description = "Push a stopped VM's root disk as a new store image (only the chunks it changed are new).")
  static final class CommitDisk extends OneVm {
    @Option(names = "--name", required = true, paramLabel = "NEW", description = "Name of the new image.") String image;

    @Override
    public Integer call() throws Exception {
      print(connection.client().post(path(vm) + "/commit?name=" + URLEncoder.encode(image, StandardCharsets.UTF_8),
          Map.of(), CREATE_TIMEOUT));
      return ExitCodes.OK;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a stopped VM.")
  static final class Remove extends OneVm {
    @Option(names = {"-f", "--force"}, description = "Stop it first if it runs.") boolean force;

    @Override
    public Integer call() throws Exception {
      NodeClient client = connection.client();
      if (force) {
        String state = client.get(path(vm)).path("state").asText();
        if (state.equals("running") || state.equals("paused")) {
          client.post(path(vm) + "/stop", Map.of());
        }
      }
      JsonNode deleted = client.delete(path(vm));
      out().println("deleted VM " + deleted.path("name").asText() + " (" + deleted.path("id").asText() + ")");
      return ExitCodes.OK;
    }
  }

  @Command(name = "console", mixinStandardHelpOptions = true,
      description = "Attach to a VM's serial console (Ctrl-] then q detaches).")
  static final class Console extends OneVm {
    @Override
    public Integer call() throws Exception {
      NodeClient client = connection.client();
      String id = client.get(path(vm)).path("id").asText();
      return attach(spec, client, id, false);
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Create and start a VM on the node and attach its console here until it ends (Ctrl-] then q"
          + " detaches). Piped input is typed into the guest once its shell prompt appears.")
  static final class Run extends VmSubcommand {
    @Mixin Definition definition;
    @Option(names = "--rm", description = "Delete the VM once it has ended.") boolean remove;

    @Override
    public Integer call() throws Exception {
      NodeClient client = connection.client();
      JsonNode vm = client.post("/hvx/vms", definition.body(true), CREATE_TIMEOUT);
      String id = vm.path("id").asText();
      spec.commandLine().getErr().println("hvx: VM " + vm.path("name").asText() + " (" + id + ") on node "
          + vm.path("node").asText() + "; Ctrl-] then q detaches");
      return attach(spec, client, id, remove);
    }
  }

  /** Attaches the console, then answers how the VM ended as the exit code. */
  static int attach(CommandSpec spec, NodeClient client, String id, boolean remove) throws IOException {
    boolean terminal = System.console() != null && System.console().isTerminal();
    ConsoleSession.End end;
    try (RawTerminal raw = terminal ? RawTerminal.enter() : RawTerminal.NONE) {
      end = ConsoleSession.attach(client, path(id) + "/console", System.in, System.out, terminal);
    }
    PrintWriter err = spec.commandLine().getErr();
    if (end == ConsoleSession.End.DETACHED) {
      err.println("\r\nhvx: detached; the VM keeps running (hvx vm console " + id + " attaches again)");
      return ExitCodes.OK;
    }
    JsonNode vm = awaitEnded(client, id);
    String state = vm.path("state").asText();
    if (state.equals("running") || state.equals("paused")) {
      err.println("\r\nhvx: the console connection closed while the VM is " + state + " (hvx vm console " + id
          + " attaches again)");
      return ExitCodes.FAILED;
    }
    err.println("\r\nhvx: VM " + vm.path("name").asText() + " " + state
        + (vm.hasNonNull("reason") ? ": " + vm.path("reason").asText() : ""));
    if (remove) {
      client.delete(path(id));
    }
    if (state.equals("failed")) {
      return ExitCodes.VM_FAILED;
    }
    return vm.path("outcome").asText().equals("poweroff") ? ExitCodes.OK : ExitCodes.VM_STOPPED;
  }

  /** The console closes as the VM ends; its state may reach the node's list a moment later. */
  private static JsonNode awaitEnded(NodeClient client, String id) {
    JsonNode vm = client.get(path(id));
    for (int i = 0; i < 50 && !vm.path("state").asText().matches("stopped|failed"); i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      vm = client.get(path(id));
    }
    return vm;
  }
}
