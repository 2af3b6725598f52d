package io.hvx.net.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Aeron directories carry their process id, so a node can remove those that crashed nodes left behind. */
class AeronDirectoriesTest {
  @TempDir
  Path parent;

  private File directoryWithTerms(String name) throws IOException {
    Path dir = Files.createDirectories(parent.resolve(name).resolve("publications"));
    Files.write(dir.resolve("1-2.logbuffer"), new byte[4096]);
    Files.write(parent.resolve(name).resolve("cnc.dat"), new byte[64]);
    return parent.resolve(name).toFile();
  }

  @Test
  void the_directory_of_a_process_that_is_gone_is_removed_and_those_of_running_ones_stay() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    assertTrue(gone.waitFor(10, TimeUnit.SECONDS));
    long gonePid = gone.pid();
    Process running = new ProcessBuilder("sleep", "30").start();
    try {
      File ofGone = directoryWithTerms(AeronDirectories.PREFIX + gonePid + "-a");
      File ofRunning = directoryWithTerms(AeronDirectories.PREFIX + running.pid() + "-b");
      File ofThisProcess = AeronDirectories.newDirectory(parent.toFile());
      assertTrue(ofThisProcess.mkdir());
      File withoutPid = directoryWithTerms(AeronDirectories.PREFIX + "0f3c9a2e-7d41-4b7e-9e0a-5c1d2b3a4f50");
      File unrelated = directoryWithTerms("aeron-root");

      List<File> removed = AeronDirectories.removeStale(parent.toFile());

      assertEquals(List.of(ofGone), removed);
      assertFalse(ofGone.exists());
      for (File kept : List.of(ofRunning, ofThisProcess, withoutPid, unrelated)) {
        assertTrue(kept.exists(), kept + " was removed");
      }
      assertEquals(List.of(), AeronDirectories.removeStale(parent.toFile()), "a second sweep finds nothing");
    } finally {
      running.destroyForcibly();
    }
  }

  @Test
  void the_directory_of_a_killed_process_not_yet_reaped_is_removed() throws Exception {
    // The shell starts a child, prints its pid and becomes `sleep`, which never reaps it: a zombie, as a
    // node killed a moment ago is until its parent waits for it. The child ends only once its parent is
    // `sleep`: one that ended earlier could be reaped by the shell before the exec, leaving no zombie.
    Process parentOfZombie = new ProcessBuilder("sh", "-c", "sh -c 'while [ \"$(cat /proc/$PPID/comm)\" != sleep ];"
        + " do sleep 0.01; done' & echo $!; exec sleep 30").start();
    try {
      long zombie = Long.parseLong(parentOfZombie.inputReader().readLine().trim());
      Path stat = Path.of("/proc", Long.toString(zombie), "stat");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.readString(stat).contains(") Z ") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(Files.readString(stat).contains(") Z "), "no zombie to test with: " + Files.readString(stat));
      File ofZombie = directoryWithTerms(AeronDirectories.PREFIX + zombie + "-z");

      assertEquals(List.of(ofZombie), AeronDirectories.removeStale(parent.toFile()));
      assertFalse(ofZombie.exists());
    } finally {
      parentOfZombie.destroyForcibly();
    }
  }

  @Test
  void only_a_name_with_a_decimal_process_id_before_its_first_dash_has_an_owner() {
    assertEquals(4242, AeronDirectories.ownerPid("hvx-aeron-4242-0f3c9a2e"));
    assertEquals(-1, AeronDirectories.ownerPid("hvx-aeron-0f3c9a2e-7d41"));
    assertEquals(-1, AeronDirectories.ownerPid("hvx-aeron--1"));
    assertEquals(-1, AeronDirectories.ownerPid("hvx-aeron-4242"));
    assertEquals(-1, AeronDirectories.ownerPid("hvx-aeron-99999999999999999999-x"));
    assertEquals(-1, AeronDirectories.ownerPid("aeron-4242-x"));
  }

  @Test
  void an_embedded_driver_names_its_directory_after_its_process() {
    try (EmbeddedAeron aeron = EmbeddedAeron.launchInvoked()) {
      File directory = new File(aeron.aeron().context().aeronDirectoryName());
      assertEquals(ProcessHandle.current().pid(), AeronDirectories.ownerPid(directory.getName()));
      assertTrue(directory.isDirectory());
    }
  }
}
