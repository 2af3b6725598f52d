package io.hvx.runtime.node;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the capacity of the machine a node runs on: CPUs, memory and free disk under the data directory. */
final class HostFacts {
  private HostFacts() {}

  static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }

  static long memoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return Runtime.getRuntime().maxMemory();
  }

  static long freeDiskBytes(Path dataDir) {
    try {
      return Files.getFileStore(dataDir).getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }
}
