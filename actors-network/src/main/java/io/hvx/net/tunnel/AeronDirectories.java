package io.hvx.net.tunnel;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.agrona.IoUtil;

/**
 * Names each node's Aeron directory after its process, and removes the directories of processes that are
 * gone: a node that crashed or was killed cannot delete its own, and each holds tens of MiB of term files.
 */
final class AeronDirectories {
  static final String PREFIX = "hvx-aeron-";

  private AeronDirectories() {
  }

  /** A fresh directory name under {@code parent} for this process. */
  static File newDirectory(File parent) {
    return new File(parent, PREFIX + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
  }

  /**
   * Deletes the directories under {@code parent} named for a process that no longer runs; returns them.
   * A directory whose process id is alive stays, even if the id was reused by another program.
   */
  static List<File> removeStale(File parent) {
    List<File> removed = new ArrayList<>();
    File[] entries = parent.listFiles((dir, name) -> name.startsWith(PREFIX));
    if (entries == null) {
      return removed;
    }
    for (File entry : entries) {
      long pid = ownerPid(entry.getName());
      if (pid > 0 && entry.isDirectory() && !isRunning(pid)) {
        // Another node starting at the same time may be deleting it too: failures are ignored.
        IoUtil.delete(entry, true);
        if (!entry.exists()) {
          removed.add(entry);
        }
      }
    }
    return removed;
  }

  /** The process id in {@code name} ({@value #PREFIX}PID-UUID), or -1 when it has none. */
  static long ownerPid(String name) {
    int start = PREFIX.length();
    int end = name.indexOf('-', start);
    if (!name.startsWith(PREFIX) || end <= start || end - start > 18) {
      return -1;
    }
    for (int i = start; i < end; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
    }
    return Long.parseLong(name, start, end, 10);
  }

  /**
   * Whether {@code pid} runs: a zombie (killed, not yet reaped by its parent) counts as gone, or a node
   * started just after another's kill would keep the dead node's directory until its next start.
   */
  private static boolean isRunning(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    char state = processState(pid);
    // A leader thread that exited shows Z while the process's other threads run on: only a lone task is a zombie.
    return state != 'Z' && state != 'X' || tasks(pid) > 1;
  }

  private static int tasks(long pid) {
    String[] entries = new File("/proc/" + pid + "/task").list();
    return entries == null ? 0 : entries.length;
  }

  /** The state letter in /proc/PID/stat, or '?' when it cannot be read (then the process counts as running). */
  private static char processState(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name in parentheses may itself hold spaces and parentheses: the state follows the last.
      int end = stat.lastIndexOf(')');
      return end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
    } catch (IOException | RuntimeException e) {
      return '?';
    }
  }
}
