package io.hvx.cpu.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** Assembles guest snippets at test time with the host's binutils (as, ld, objcopy), linked at a fixed address. */
final class GuestCode {
    private GuestCode() {
    }

    static byte[] assemble(String source, long linkAddress) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/as")) && Files.isExecutable(Path.of("/usr/bin/ld")),
                "needs binutils (as, ld, objcopy) to assemble guest code");
        Path dir = Files.createTempDirectory("hvx-guest");
        try {
            Files.writeString(dir.resolve("t.s"), source);
            run(dir, "as", "--64", "-o", "t.o", "t.s");
            run(dir, "ld", "-m", "elf_x86_64", "-Ttext=0x" + Long.toHexString(linkAddress), "-e", "0", "-o", "t.elf",
                    "t.o");
            run(dir, "objcopy", "-O", "binary", "-j", ".text", "t.elf", "t.bin");
            return Files.readAllBytes(dir.resolve("t.bin"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
