package io.hvx.cpu.oracle;

import io.hvx.cpu.linux.ElfImage;
import io.hvx.cpu.linux.LinuxProcess;
import io.hvx.cpu.linux.Stdio;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** A C program from this package's resources, built static with the host's gcc and glibc, run natively and under hvx. */
final class HostProgram {
    private HostProgram() {
    }

    /** The outcome of one run: standard output, exit status, and hvx's own diagnostics (empty natively). */
    record Run(String stdout, int status, String diagnostics) {
    }

    /** Builds {@code name}.c into {@code dir}; skips the test (with the reason) where gcc or static glibc is missing. */
    static Path build(Path dir, String name, String... gccFlags) throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        Assumptions.assumeTrue(Files.isExecutable(gcc) && Files.isRegularFile(Path.of("/usr/lib/x86_64-linux-gnu/libc.a")),
                "needs gcc and a static glibc (apt-get install gcc libc6-dev)");
        Path src = dir.resolve(name + ".c");
        try (InputStream in = HostProgram.class.getResourceAsStream(name + ".c")) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-static"));
        cmd.addAll(List.of(gccFlags));
        cmd.addAll(List.of("-o", exe.toString(), src.toString(), "-lm"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
                "gcc could not build a static program here: " + log);
        return exe;
    }

    static Run host(Path exe) throws Exception {
        Process p = new ProcessBuilder(exe.toString()).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Run(out, p.waitFor(), "");
    }

    static Run hvx(Path exe) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        Stdio stdio = new Stdio(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream());
        try (LinuxProcess hvx = new LinuxProcess(ElfImage.parse(Files.readAllBytes(exe)), List.of(exe.toString()),
                List.of("LC_ALL=C"), stdio, new PrintStream(diag))) {
            int status = hvx.run();
            return new Run(out.toString(), status, diag.toString());
        }
    }
}
