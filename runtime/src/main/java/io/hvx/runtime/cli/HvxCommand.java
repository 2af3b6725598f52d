package io.hvx.runtime.cli;

import io.hvx.config.SettingsException;
import io.hvx.cpu.cli.RunElfCommand;
import io.hvx.storage.cli.ImageCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code hvx} command line: the entry point of the launcher and of every node process. */
@Command(name = "hvx", mixinStandardHelpOptions = true, versionProvider = HvxCommand.Version.class,
    description = "hvx: a virtual cloud layer. Nodes on any cloud form one cluster that runs VMs.",
    subcommands = {NodeCommand.class, VmCommand.class, NetCommand.class, ImageCommand.class, VolumeCommand.class,
        RunElfCommand.class, GuestKitPushCommand.class,
        VersionCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes (all commands):%n",
    exitCodeList = {"0:success", "1:the node answered with an error", "2:bad flags or settings",
        "3:no node answered, or a node could not start or join", "4:the token was refused",
        "5:a VM failed (vm start/run/console, vm create --start)",
        "6:a VM was stopped from the host (vm run, vm console)"})
public final class HvxCommand {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs one command line and returns its exit code (tests call this in-process). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new HvxCommand());
    ImageStoreCommand.install(cli.getSubcommands().get("image"));
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof CliException failure) {
        commandLine.getErr().println("hvx: " + failure.getMessage());
        return failure.exitCode();
      }
      if (e instanceof SettingsException bad) {
        commandLine.getErr().println("hvx: " + bad.getMessage());
        return ExitCodes.USAGE;
      }
      commandLine.getErr().println("hvx: internal error: " + e + " (please report it with the command you ran)");
      return ExitCodes.FAILED;
    });
    return cli;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"hvx " + io.hvx.runtime.HvxVersion.get()};
    }
  }
}
