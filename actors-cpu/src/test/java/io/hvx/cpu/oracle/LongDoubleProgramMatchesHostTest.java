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
 * A static C program built with the host's gcc and glibc prints long double results (x87 arithmetic under
 * every rounding mode, printf/strtold, sqrtl, fmodl/remainderl, rintl, ldexpl, conversions): its output
 * under hvx must be byte for byte the native one.
 */
class LongDoubleProgramMatchesHostTest {
    @TempDir
    Path dir;

    private Path build() throws Exception {
        Path gcc = Path.of("/usr/bin/gcc");
        Assumptions.assumeTrue(Files.isExecutable(gcc) && Files.isRegularFile(Path.of("/usr/lib/x86_64-linux-gnu/libc.a")),
                "needs gcc and a static glibc (apt-get install gcc libc6-dev)");
        Path src = dir.resolve("longdouble.c");
        try (InputStream in = getClass().getResourceAsStream("longdouble.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve("longdouble");
        Process p = new ProcessBuilder(gcc.toString(), "-static", "-O1", "-o", exe.toString(), src.toString(), "-lm")
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                "gcc could not build a static program here: " + log);
        return exe;
    }

    @Test
    void long_double_printf_strtold_and_libm_match_the_native_run() throws Exception {
        Path exe = build();
        Process p = new ProcessBuilder(exe.toString()).start();
        byte[] expected = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Stdio stdio = new Stdio(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream());
        int status;
        try (LinuxProcess hvx = new LinuxProcess(ElfImage.parse(Files.readAllBytes(exe)), List.of(exe.toString()),
                List.of("LC_ALL=C"), stdio, new PrintStream(new ByteArrayOutputStream()))) {
            status = hvx.run();
        }
        assertEquals(new String(expected), out.toString());
        assertEquals(0, status);
    }
}
