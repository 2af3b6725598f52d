package io.hvx.cpu.linux;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A static Linux x86-64 program run on hvx's software CPU, with the processes it forks: the entry point
 * of {@code hvx run-elf}. The first process runs on the caller's thread, each child on its own.
 */
public final class LinuxProcess implements AutoCloseable {
    private final Kernel kernel;
    private final Task first;

    public LinuxProcess(ElfImage elf, List<String> argv, List<String> envp, Stdio stdio, PrintStream diagnostics) {
        this(Path.of(argv.isEmpty() ? "/proc/self/exe" : argv.get(0)), elf, argv, envp, stdio, diagnostics);
    }

    /** {@code exe} is the program's file, what /proc/self/exe names for the guest. */
    public LinuxProcess(Path exe, ElfImage elf, List<String> argv, List<String> envp, Stdio stdio,
                        PrintStream diagnostics) {
        this(exe, elf, argv, envp, stdio, diagnostics, Path.of("").toAbsolutePath());
    }

    /** Starts the program in the given working directory. */
    public LinuxProcess(Path exe, ElfImage elf, List<String> argv, List<String> envp, Stdio stdio,
                        PrintStream diagnostics, Path cwd) {
        kernel = new Kernel(diagnostics, new Terminal());
        FdTable fds = new FdTable();
        Pipe stdin = Pipe.fedBy(kernel, stdio.in());
        stdin.readers = 1;
        fds.allocate(new PipeEnd(stdin, true, stdio.inTty()), 0, false);
        fds.allocate(new HostOutput(stdio.out(), stdio.outTty(), 1), 1, false);
        fds.allocate(new HostOutput(stdio.err(), stdio.errTty(), 2), 2, false);
        first = Task.first(kernel, Image.load(exe.toAbsolutePath(), elf, argv, envp), fds,
                cwd.toAbsolutePath().normalize());
    }

    /** Runs the program to its exit; returns its exit status, or 128 + the signal that killed it. */
    public int run() {
        int status = first.run();
        return (status & 0x7F) != 0 ? 128 + (status & 0x7F) : (status >> 8) & 0xFF;
    }

    /** Delivers a signal from the host (Ctrl-C) to the foreground process group, as a terminal would. */
    public void hostSignal(int sig) {
        int group;
        kernel.lock.lock();
        try {
            group = kernel.terminal.foregroundGroup;
        } finally {
            kernel.lock.unlock();
        }
        if (kernel.signalGroup(group, sig, null) == 0) {
            kernel.signalGroup(first.pgid, sig, null);
        }
    }

    /** Instructions the first process has completed (its children count separately). */
    public long instructions() {
        return first.instructions();
    }

    /** Ends every guest process still running (background children of the program). */
    @Override
    public void close() {
        kernel.killAll();
    }
}
