package io.hvx.devices.guestkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one host program (apt-get, dpkg-deb, busybox) to completion and returns its standard output. */
final class HostCommand {

    private HostCommand() {
    }

    /** Output goes to a temporary file so a chatty program never blocks on a full pipe and the timeout holds. */
    static String run(Path directory, long timeoutSeconds, List<String> command) throws GuestKitException {
        return run(directory, timeoutSeconds, command, Map.of());
    }

    /** As {@link #run(Path, long, List)}, with {@code environment} added to the program's environment. */
    static String run(Path directory, long timeoutSeconds, List<String> command, Map<String, String> environment)
        throws GuestKitException {
        Path log;
        try {
            log = Files.createTempFile("hvx-guest-kit", ".log");
        } catch (IOException e) {
            throw new GuestKitException("cannot create a temporary file for %s: %s".formatted(command.getFirst(), e.getMessage()));
        }
        try {
            Process process;
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
                builder.environment().putAll(environment);
                process = builder
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new GuestKitException("cannot run %s: %s (hvx guest-kit needs a Debian or Ubuntu host with apt and dpkg)"
                    .formatted(command.getFirst(), e.getMessage()));
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new GuestKitException("%s did not finish within %d s".formatted(String.join(" ", command), timeoutSeconds));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new GuestKitException("%s failed (exit %d): %s".formatted(String.join(" ", command),
                    process.exitValue(), lastLine(output)));
            }
            return output;
        } catch (IOException e) {
            throw new GuestKitException("reading the output of %s failed: %s".formatted(command.getFirst(), e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuestKitException("interrupted while running " + command.getFirst());
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a leftover file in the temporary directory is harmless
            }
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
