package io.hvx.cpu.cli;

import io.hvx.cpu.linux.ElfImage;
import io.hvx.cpu.linux.LinuxProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hvx run-elf PROGRAM ARGS...}: runs a static x86-64 Linux program on hvx's software CPU. */
@Command(name = "run-elf", mixinStandardHelpOptions = true, modelTransformer = RunElfCommand.GuestArguments.class,
        description = "Run a static x86-64 Linux ELF program on hvx's software CPU; exits with its status.")
public final class RunElfCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PROGRAM", description = "static x86-64 ELF executable")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "arguments passed to the program")
    List<String> args = new ArrayList<>();

    @Option(names = "--argv0", description = "argv[0] for the program (default: PROGRAM as given)")
    String argv0;

    @Option(names = "--stats", description = "print the instruction count and rate to stderr at exit")
    boolean stats;

    /** Everything after PROGRAM belongs to the guest, options included ({@code run-elf busybox sh -c ...}). */
    public static final class GuestArguments implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    @Override
    public Integer call() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(program);
        } catch (NoSuchFileException e) {
            System.err.println("hvx run-elf: " + program + ": no such file");
            return 1;
        } catch (IOException e) {
            System.err.println("hvx run-elf: " + program + ": " + e.getMessage());
            return 1;
        }
        ElfImage elf;
        try {
            elf = ElfImage.parse(bytes);
        } catch (IllegalArgumentException e) {
            System.err.println("hvx run-elf: " + program + ": " + e.getMessage());
            return 1;
        }
        List<String> argv = new ArrayList<>();
        argv.add(argv0 != null ? argv0 : program.toString());
        argv.addAll(args);
        List<String> envp = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            envp.add(e.getKey() + "=" + e.getValue());
        }
        long start = System.nanoTime();
        try (LinuxProcess process = new LinuxProcess(program, elf, argv, envp, io.hvx.cpu.linux.Stdio.inherited(),
                System.err)) {
            forwardInterrupts(process);
            int status = process.run();
            if (stats) {
                double seconds = (System.nanoTime() - start) / 1e9;
                System.err.printf("hvx: %d instructions in %.3f s (%.1f MIPS)%n", process.instructions(), seconds,
                        process.instructions() / seconds / 1e6);
            }
            return status;
        }
    }

    /** Ctrl-C goes to the guest's foreground process group, as the terminal would send it to a native one. */
    private static void forwardInterrupts(LinuxProcess process) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> process.hostSignal(2));
        } catch (IllegalArgumentException e) {
            // SIGINT is taken by the JVM (-Xrs): Ctrl-C then ends hvx with the guest
        }
    }

    /** Runs the command standalone (the hvx CLI wires it in as a subcommand). */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new RunElfCommand()).execute(args));
    }
}
