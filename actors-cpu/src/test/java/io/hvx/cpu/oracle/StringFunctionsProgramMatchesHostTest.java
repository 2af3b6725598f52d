package io.hvx.cpu.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.cpu.linux.ElfImage;
import io.hvx.cpu.linux.LinuxProcess;
import io.hvx.cpu.linux.Stdio;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static C program built with the host's gcc and glibc runs glibc's string and memory functions over many
 * sizes and alignments and the SSE4.2/SSE4.1/SSSE3/BMI intrinsics directly. Under hvx glibc's ifuncs see
 * hvx's CPUID (SSE4.2, no AVX) and pick other variants than natively; the printed hashes must still match.
 * The program is built for x86-64-v2 plus BMI1/2, LZCNT and MOVBE rather than -march=native, which on an
 * AVX host would put AVX instructions (not advertised by hvx) in the program's own code.
 */
class StringFunctionsProgramMatchesHostTest {
    @TempDir
    Path dir;

    private Path build() throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        Assumptions.assumeTrue(Files.isExecutable(gcc) && Files.isRegularFile(Path.of("/usr/lib/x86_64-linux-gnu/libc.a")),
                "needs gcc and a static glibc (apt-get install gcc libc6-dev)");
        String flags = HostCpuFlags.read();
        for (String needed : List.of("sse4_2", "ssse3", "bmi1", "bmi2", "abm", "movbe")) {
            Assumptions.assumeTrue(flags.contains(" " + needed + " "), "the host CPU lacks " + needed
                    + ": it cannot run the native half of this comparison");
        }
        Path src = dir.resolve("strings.c");
        try (InputStream in = getClass().getResourceAsStream("strings.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve("strings");
        Process p = new ProcessBuilder(gcc.toString(), "-static", "-O2", "-march=x86-64-v2", "-mbmi", "-mbmi2",
                "-mlzcnt", "-mmovbe", "-w", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
                "gcc could not build a static program here: " + log);
        return exe;
    }

    @Test
    void glibc_string_functions_and_sse4_bmi_intrinsics_match_the_native_run() throws Exception {
        Path exe = build();
        Process p = new ProcessBuilder(exe.toString()).start();
        byte[] expected = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        Stdio stdio = new Stdio(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream());
        int status;
        try (LinuxProcess hvx = new LinuxProcess(ElfImage.parse(Files.readAllBytes(exe)), List.of(exe.toString()),
                List.of("LC_ALL=C"), stdio, new PrintStream(diag))) {
            status = hvx.run();
        }
        assertEquals(new String(expected), out.toString(), "hvx diagnostics:\n" + diag);
        assertEquals(0, status, "hvx diagnostics:\n" + diag);
    }
}
