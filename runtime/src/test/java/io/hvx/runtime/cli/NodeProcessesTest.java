package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real {@code hvx node start} processes on loopback, driven through the CLI. */
class NodeProcessesTest {
  @TempDir Path dir;
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
  }

  private Process startNode(String name, int httpPort, int clusterPort, int seedPort) throws Exception {
    List<String> command = TestNodes.javaCommand("256m");
    command.add("-XX:TieredStopAtLevel=1");
    TestNodes.FAST_DOWNING.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.addAll(List.of(HvxCommand.class.getName(), "node", "start", "--name", name,
        "--data-dir", dir.resolve(name).toString(), "--http-port", "" + httpPort, "--cluster-port", "" + clusterPort,
        "--seed", "127.0.0.1:" + seedPort, "--cloud", "cloud-" + name));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile()).start();
    processes.add(process);
    return process;
  }

  /** Ids of all members; one not yet up, reachable and published shows its status beside its id. */
  private Set<String> upNodes(String name) throws Exception {
    CliRun run = CliRun.of("node", "list", "--data-dir", dir.resolve(name).toString(), "--output", "json");
    Set<String> ids = new TreeSet<>();
    if (run.exitCode() != 0) {
      return ids;
    }
    for (JsonNode node : Json.MAPPER.readTree(run.out())) {
      boolean healthy = node.path("status").asText().equals("up") && node.path("reachable").asBoolean()
          && node.path("attributes").isObject();
      ids.add(healthy ? node.path("id").asText() : node.path("id").asText() + " (" + node.path("status").asText() + ")");
    }
    return ids;
  }

  private void awaitNodes(String observer, Set<String> expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> seen = Set.of();
    while (System.nanoTime() < deadline) {
      seen = upNodes(observer);
      if (seen.equals(expected)) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(observer + " saw " + seen + ", expected " + expected + "; its log:\n"
        + Files.readString(dir.resolve(observer + ".log")));
  }

  @Test
  void three_node_processes_form_a_cluster_and_see_a_killed_one_go() throws Exception {
    int seed = TestNodes.freePort();
    startNode("p1", TestNodes.freePort(), seed, seed);
    startNode("p2", TestNodes.freePort(), TestNodes.freePort(), seed);
    Process p3 = startNode("p3", TestNodes.freePort(), TestNodes.freePort(), seed);
    Set<String> all = Set.of("p1", "p2", "p3");
    for (String observer : all) {
      awaitNodes(observer, all, Duration.ofSeconds(90));
    }

    CliRun show = CliRun.of("node", "show", "p3", "--data-dir", dir.resolve("p1").toString());
    assertEquals(0, show.exitCode(), show.err());
    JsonNode answer = Json.MAPPER.readTree(show.out());
    assertEquals("p1", answer.path("servedBy").asText());
    assertEquals("p3", answer.path("info").path("answeredBy").asText());
    assertEquals(p3.pid(), answer.path("info").path("pid").asLong(), "the answer must come from p3's own process");
    assertEquals("cloud-p3", answer.path("info").path("attributes").path("cloud").asText());

    p3.destroyForcibly().waitFor();
    awaitNodes("p1", Set.of("p1", "p2"), Duration.ofSeconds(TestNodes.REMOVAL_SECONDS));
    awaitNodes("p2", Set.of("p1", "p2"), Duration.ofSeconds(TestNodes.REMOVAL_SECONDS));
    CliRun gone = CliRun.of("node", "show", "p3", "--data-dir", dir.resolve("p1").toString());
    assertEquals(ExitCodes.FAILED, gone.exitCode());
    assertTrue(gone.err().contains("no node 'p3'"), gone.err());
  }

  @Test
  void a_node_process_stopped_by_sigterm_exits_0_and_removes_its_overlay_files() throws Exception {
    int seed = TestNodes.freePort();
    Process node = startNode("t1", TestNodes.freePort(), seed, seed);
    awaitNodes("t1", Set.of("t1"), Duration.ofSeconds(90));
    assertEquals(1, TestNodes.aeronDirectoriesOf(node).size(), "t1's Aeron directory names its process");

    node.destroy();
    assertTrue(node.waitFor(90, TimeUnit.SECONDS), "t1 did not stop within 90 s of SIGTERM");
    String log = Files.readString(dir.resolve("t1.log"));
    assertEquals(0, node.exitValue(), log);
    // The JVM halts once its shutdown hooks return: the switch's closing must be one of them.
    assertEquals(List.of(), TestNodes.aeronDirectoriesOf(node), "t1 left its Aeron directory behind; its log:\n" + log);
  }
}
