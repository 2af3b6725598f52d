package io.hvx.devices.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs the host programs the device tests use as peers (iasl, cpio, qemu-system-x86_64). */
public final class HostTools {

    private HostTools() {
    }

    /** Skips the calling test, naming the Debian package to install, when {@code tool} is not on PATH. */
    public static void require(String tool, String debianPackage) {
        assumeTrue(onPath(tool), tool + " not found: install it with `apt-get install -y " + debianPackage + "`");
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The outcome of one command: exit code and stdout+stderr. */
    public record Result(int exitCode, String output) {
    }

    public static Result run(Path directory, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed and returns its output. */
    public static String ok(Path directory, String... command) throws IOException, InterruptedException {
        Result r = run(directory, command);
        assertEquals(0, r.exitCode(), () -> String.join(" ", command) + " failed: " + r.output());
        return r.output();
    }
}
