package io.hvx.devices.guestkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one host program (apt-get, dpkg-deb, busybox) to completion and returns its standard output. */
final class HostCommand {

    private HostCommand() {
    }

    static String run(Path directory, long timeoutSeconds, List<String> command) throws GuestKitException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        } catch (IOException e) {
            throw new GuestKitException("cannot run %s: %s (hvx guest-kit needs a Debian or Ubuntu host with apt and dpkg)"
                .formatted(command.getFirst(), e.getMessage()));
        }
        try {
            var stdout = process.getInputStream().readAllBytes();
            var stderr = process.getErrorStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new GuestKitException("%s did not finish within %d s".formatted(String.join(" ", command), timeoutSeconds));
            }
            if (process.exitValue() != 0) {
                throw new GuestKitException("%s failed (exit %d): %s".formatted(String.join(" ", command),
                    process.exitValue(), lastLine(new String(stderr, StandardCharsets.UTF_8))));
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new GuestKitException("reading the output of %s failed: %s".formatted(command.getFirst(), e.getMessage()));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new GuestKitException("interrupted while running " + command.getFirst());
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith("E:") || i == 0) {
                return lines[i].strip();
            }
        }
        return lines[lines.length - 1].strip();
    }
}
