package io.hvx.storage.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `hvx image`: inspect, check, convert, compare, create and resize disk images, with qemu-img's semantics. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Disk image tools compatible with qemu-img.",
        subcommands = {InfoCommand.class, CheckCommand.class, ConvertCommand.class, CompareCommand.class,
                CreateCommand.class, ResizeCommand.class, ImportOvaCommand.class, ExportOvaCommand.class,
                io.hvx.storage.store.cli.PushCommand.class, io.hvx.storage.store.cli.PullCommand.class,
                io.hvx.storage.store.cli.ListCommand.class, io.hvx.storage.store.cli.ShowCommand.class,
                io.hvx.storage.store.cli.RmCommand.class, io.hvx.storage.store.cli.GcCommand.class,
                io.hvx.storage.store.cli.SnapshotCommand.class, io.hvx.storage.store.cli.CommitCommand.class})
public final class ImageCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** Runs `hvx image ...` standalone; usage errors exit with 1 like qemu-img. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new ImageCommand());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("hvx image: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            String name = c.getParent() == null ? "hvx image" : "hvx image " + c.getCommandName();
            c.getErr().println("Try '" + name + " --help' for more information.");
            return 1;
        });
        return cl.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }
}
