package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigValueFactory;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hvx image} store commands go through a real node: the CLI process is given no store settings at all,
 * only the node's URL and token.
 */
class ImageStoreCommandTest {
  @TempDir static Path dir;
  static HvxNode node;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    node = HvxNode.start(TestNodes.config("image-cli-1", dir.resolve("node"), TestNodes.freePort(),
        TestNodes.freePort(), List.of()));
    token = Files.readString(dir.resolve("node/token")).trim();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static CliRun cliAt(String url, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", url, "--token", token));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static CliRun cli(String... args) {
    return cliAt(node.url(), args);
  }

  static byte[] disk(long seed) throws Exception {
    byte[] disk = new byte[6 << 20];
    byte[] random = new byte[2 << 20];
    new Random(seed).nextBytes(random);
    System.arraycopy(random, 0, disk, 1 << 20, random.length);
    return disk;
  }

  @Test
  void shouldPushByPathOrUploadAndPullThroughTheNode() throws Exception {
    byte[] disk = disk(1);
    Path file = dir.resolve("disk.raw");
    Files.write(file, disk);
    CliRun byPath = cli("image", "push", file.toString(), "--name", "by-path", "-f", "raw");
    assertEquals(0, byPath.exitCode(), byPath.err());
    assertTrue(byPath.out().contains("pushed 'by-path': 6.0 MiB virtual"), byPath.out());
    assertTrue(byPath.out().contains("chunks 96: zero 64 (66.7%)"), byPath.out());

    CliRun uploaded = cli("image", "push", file.toString(), "--name", "uploaded", "--upload", "-p");
    assertEquals(0, uploaded.exitCode(), uploaded.err());
    assertTrue(uploaded.out().contains("uploading " + file), uploaded.out());
    assertTrue(uploaded.out().contains("duplicate 32 (100.0% of non-zero), new 0"), uploaded.out());
    try (Stream<Path> left = Files.list(dir.resolve("node/uploads"))) {
      assertEquals(0, left.count(), "the node must remove its upload files");
    }

    CliRun list = cli("image", "list");
    assertTrue(list.out().contains("by-path") && list.out().contains("uploaded"), list.out());
    assertTrue(cli("image", "show", "uploaded").out().contains("chunks: 96 (zero 64, distinct 32)"));

    Path raw = dir.resolve("out/back.raw");
    Files.createDirectories(raw.getParent());
    CliRun pulled = cli("image", "pull", "uploaded", raw.toString());
    assertEquals(0, pulled.exitCode(), pulled.err());
    assertArrayEquals(disk, Files.readAllBytes(raw));

    if (new java.io.File("/usr/bin/qemu-img").canExecute()) {
      for (String format : List.of("qcow2", "vmdk", "vhdx")) {
        Path converted = dir.resolve("out/back." + format);
        CliRun as = cli("image", "pull", "by-path", converted.toString(), "-O", format);
        assertEquals(0, as.exitCode(), as.err());
        Process compare = new ProcessBuilder("qemu-img", "compare", "-f", format, "-F", "raw", converted.toString(),
            file.toString()).redirectErrorStream(true).start();
        String said = new String(compare.getInputStream().readAllBytes());
        assertEquals(0, compare.waitFor(), format + ": " + said);
      }
    } else {
      System.out.println("ImageStoreCommandTest: qemu-img not installed (apt-get install qemu-utils): -O checks skipped");
    }
  }

  @Test
  void shouldFailClearlyAndLeaveNoPartialFile() throws Exception {
    Path target = dir.resolve("missing.raw");
    CliRun missing = cli("image", "pull", "nothing", target.toString());
    assertEquals(ExitCodes.FAILED, missing.exitCode());
    assertTrue(missing.err().contains("no image 'nothing' in the store"), missing.err());
    assertFalse(Files.exists(target));
    try (Stream<Path> files = Files.list(dir)) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("missing.raw")), "no temporary file left");
    }
    CliRun badFormat = cli("image", "pull", "nothing", target.toString(), "-O", "floppy");
    assertTrue(badFormat.err().contains("unknown image format 'floppy'"), badFormat.err());

    Files.write(dir.resolve("twice.raw"), disk(2));
    assertEquals(0, cli("image", "push", dir.resolve("twice.raw").toString(), "--name", "twice").exitCode());
    CliRun again = cli("image", "push", dir.resolve("twice.raw").toString(), "--name", "twice");
    assertEquals(ExitCodes.FAILED, again.exitCode());
    assertTrue(again.err().contains("twice"), again.err());
    CliRun noFile = cli("image", "push", dir.resolve("none.raw").toString(), "--name", "x");
    assertTrue(noFile.err().contains("no such readable file"), noFile.err());

    CliRun unreachable = cliAt("http://127.0.0.1:1", "image", "list");
    assertEquals(ExitCodes.UNREACHABLE, unreachable.exitCode(), unreachable.err());
    CliRun rm = cli("image", "rm", "twice");
    assertEquals(0, rm.exitCode(), rm.err());
    assertEquals(ExitCodes.FAILED, cli("image", "show", "twice").exitCode());
  }

  @Test
  void shouldCommitASnapshotThroughTheNode() throws Exception {
    Files.write(dir.resolve("base.raw"), disk(3));
    assertEquals(0, cli("image", "push", dir.resolve("base.raw").toString(), "--name", "base").exitCode());
    CliRun snap = cli("image", "snapshot", "vm1", "--base", "base");
    assertEquals(0, snap.exitCode(), snap.err());
    CliRun commit = cli("image", "commit", "vm1", "--name", "base-v2");
    assertEquals(0, commit.exitCode(), commit.err());
    assertTrue(commit.out().contains("pushed 'base-v2'"), commit.out());
    assertTrue(cli("image", "show", "base-v2").out().contains("parent: base"));
    CliRun gc = cli("image", "gc", "--grace", "0");
    assertEquals(0, gc.exitCode(), gc.err());
    assertTrue(gc.out().startsWith("images "), gc.out());
  }
}
