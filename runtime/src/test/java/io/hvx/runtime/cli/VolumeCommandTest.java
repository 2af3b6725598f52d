package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigValueFactory;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import io.hvx.runtime.node.HvxNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hvx volume} against a real node: create, list, show, serve over NBD, survive a restart, rm. */
class VolumeCommandTest {
  @TempDir Path dir;

  private CliRun cli(HvxNode node, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", node.url(), "--token", Files.readString(dataDirOf(node).resolve("token")).trim()));
    return CliRun.of(all.toArray(String[]::new));
  }

  private Path dataDirOf(HvxNode node) {
    return dir.resolve("node");
  }

  private HvxNode start() throws Exception {
    return HvxNode.start(TestNodes.config("volumes-1", dir.resolve("node"), TestNodes.freePort(), TestNodes.freePort(),
        List.of())
        .withValue("hvx.storage.nbd.enabled", ConfigValueFactory.fromAnyRef(true))
        .withValue("hvx.storage.nbd.port", ConfigValueFactory.fromAnyRef(0)));
  }

  private static String qemuIo(HvxNode node, String command, String export) throws Exception {
    Process p = new ProcessBuilder("qemu-io", "-f", "raw", "-c", command,
        "nbd://127.0.0.1:" + node.storage().nbdPort() + "/" + export).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    return out;
  }

  @Test
  void shouldCreateServeKeepAcrossARestartAndRemoveAVolume() throws Exception {
    boolean qemu = new java.io.File("/usr/bin/qemu-io").canExecute();
    if (!qemu) {
      System.out.println("VolumeCommandTest: qemu-io not installed (apt-get install qemu-utils): NBD reads skipped");
    }
    try (HvxNode node = start()) {
      CliRun created = cli(node, "volume", "create", "data", "--layout", "stripe", "--stripe-unit", "64KiB",
          "-m", "file:" + dir.resolve("disk-a/m.raw") + ":8MiB", "-m", "file:" + dir.resolve("disk-b/m.raw") + ":8MiB",
          "-m", "bucket:data-1:8MiB");
      assertEquals(0, created.exitCode(), created.err());
      assertEquals(24L << 20, Json.MAPPER.readTree(created.out()).path("size").asLong(), created.out());
      JsonNode list = Json.MAPPER.readTree(cli(node, "volume", "list").out());
      assertEquals("data", list.path("volumes").get(0).path("name").asText());
      assertEquals("API", list.path("volumes").get(0).path("source").asText());

      CliRun bad = cli(node, "volume", "create", "odd", "--layout", "stripe", "--stripe-unit", "1000", "-m", "dev:/dev/null");
      assertEquals(ExitCodes.FAILED, bad.exitCode());
      assertTrue(bad.err().contains("stripe unit 1000 is not a power of two"), bad.err());
      CliRun taken = cli(node, "volume", "create", "data", "-m", "file:" + dir.resolve("c.raw") + ":1MiB");
      assertTrue(taken.err().contains("volume 'data' exists already"), taken.err());
      if (qemu) {
        qemuIo(node, "write -P 0x5a 100000 300000", "data");
      }
    }
    try (HvxNode node = start()) {
      JsonNode shown = Json.MAPPER.readTree(cli(node, "volume", "show", "data").out());
      assertEquals("stripe", shown.path("layout").asText());
      assertEquals(3, shown.path("members").size());
      if (qemu) {
        String out = qemuIo(node, "read -P 0x5a 100000 300000", "data");
        assertTrue(out.contains("read 300000/300000"), out);
      }
      assertEquals(0, cli(node, "volume", "rm", "data").exitCode());
      CliRun gone = cli(node, "volume", "show", "data");
      assertEquals(ExitCodes.FAILED, gone.exitCode());
      assertTrue(gone.err().contains("no volume 'data'"), gone.err());
      assertTrue(Files.exists(dir.resolve("disk-a/m.raw")));
    }
  }
}
