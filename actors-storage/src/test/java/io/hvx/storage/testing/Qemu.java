package io.hvx.storage.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's qemu-img and qemu-io, the peers hvx's image code is checked against. */
public final class Qemu {
    private Qemu() {}

    /** Skips the calling test, saying why, when qemu-utils is not installed. */
    public static void require() {
        assumeTrue(onPath("qemu-img") && onPath("qemu-io"),
                "qemu-img/qemu-io not found: install them with `apt-get install -y qemu-utils`");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The outcome of one peer command. */
    public record Result(int exitCode, String output) {}

    public static Result run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs a command that must succeed. */
    public static String ok(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        assertEquals(0, r.exitCode(), () -> String.join(" ", command) + " failed: " + r.output());
        return r.output();
    }

    public static String img(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("qemu-img"));
        c.addAll(List.of(args));
        return ok(c.toArray(String[]::new));
    }

    /** Runs qemu-io commands (each one -c) against an image of the given format. */
    public static void io(Path image, String format, String... commands) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String cmd : commands) {
            c.add("-c");
            c.add(cmd);
        }
        c.add(image.toString());
        ok(c.toArray(String[]::new));
    }

    /** qemu-img's own view of an image's guest bytes. */
    public static byte[] rawView(Path image, Path scratch) throws IOException, InterruptedException {
        return rawView(image, null, scratch);
    }

    /** qemu-img's view with the format named, for formats qemu does not probe (fixed VHD). */
    public static byte[] rawView(Path image, String format, Path scratch) throws IOException, InterruptedException {
        Path raw = scratch.resolve("qemu-view-" + System.nanoTime() + ".raw");
        if (format == null) {
            img("convert", "-O", "raw", image.toString(), raw.toString());
        } else {
            img("convert", "-f", format, "-O", "raw", image.toString(), raw.toString());
        }
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    /** Bytes the file occupies on disk (holes excluded), from stat(1). */
    public static long allocatedBytes(Path file) throws IOException, InterruptedException {
        String[] parts = ok("stat", "-c", "%b %B", file.toString()).trim().split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }
}
