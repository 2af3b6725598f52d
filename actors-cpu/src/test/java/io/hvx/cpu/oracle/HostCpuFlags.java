package io.hvx.cpu.oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's CPU feature flags from /proc/cpuinfo, space-padded for whole-word matching. */
final class HostCpuFlags {
    private HostCpuFlags() {
    }

    static String read() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
                }
            }
        } catch (IOException e) {
            return " ";
        }
        return " ";
    }
}
