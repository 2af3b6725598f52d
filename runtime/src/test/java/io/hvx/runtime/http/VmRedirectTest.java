package io.hvx.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes: each lists the other's VMs, a request to act on one is redirected to the node that runs it, and the
 * VMs of a node that left are no longer listed.
 */
class VmRedirectTest {
  @TempDir Path dir;
  HvxNode first;
  HvxNode second;

  @AfterEach
  void stop() {
    if (second != null) {
      second.close();
    }
    if (first != null) {
      first.close();
    }
  }

  @Test
  void aVmIsListedOnEveryNodeAndRequestsElsewhereAreRedirectedToItsNode() throws Exception {
    int seed = TestNodes.freePort();
    first = HvxNode.start(TestNodes.config("vm-a", dir.resolve("a"), TestNodes.freePort(), seed, List.of()));
    second = HvxNode.start(TestNodes.config("vm-b", dir.resolve("b"), TestNodes.freePort(), TestNodes.freePort(),
        List.of(seed)));
    String tokenA = Files.readString(dir.resolve("a/token")).trim();
    String tokenB = Files.readString(dir.resolve("b/token")).trim();
    Path kernel = Files.writeString(dir.resolve("vmlinuz"), "not booted in this test");

    HttpResponse<String> created = TestNodes.post(first.url() + "/hvx/vms", tokenA,
        "{\"name\": \"on-a\", \"kernel\": \"" + kernel + "\"}");
    assertEquals(201, created.statusCode(), created.body());
    String id = Json.MAPPER.readTree(created.body()).path("id").asText();

    long deadline = System.nanoTime() + 30_000_000_000L;
    CliRun list = CliRun.of("vm", "list", "--data-dir", dir.resolve("b").toString());
    while (!list.out().contains("on-a") && System.nanoTime() < deadline) {
      Thread.sleep(250);
      list = CliRun.of("vm", "list", "--data-dir", dir.resolve("b").toString());
    }
    assertTrue(list.out().matches("(?s).*" + id + "\\s+on-a\\s+vm-a\\s+created.*"), list.out());

    JsonNode shown = Json.MAPPER.readTree(TestNodes.get(second.url() + "/hvx/vms/on-a", tokenB).body());
    assertEquals("vm-a", shown.path("node").asText());

    HttpResponse<String> start = TestNodes.post(second.url() + "/hvx/vms/on-a/start", tokenB, "{}");
    assertEquals(307, start.statusCode(), start.body());
    assertEquals(first.url() + "/hvx/vms/on-a/start", start.headers().firstValue("Location").orElse(""));
    JsonNode body = Json.MAPPER.readTree(start.body());
    assertEquals("elsewhere", body.path("error").asText());
    assertTrue(body.path("message").asText().contains("node 'vm-a'"), body.toString());

    CliRun rm = CliRun.of("vm", "rm", "on-a", "--data-dir", dir.resolve("b").toString());
    assertEquals(1, rm.exitCode());
    assertTrue(rm.err().contains("runs on node 'vm-a'"), rm.err());

    first.close();
    first = null;
    deadline = System.nanoTime() + 60_000_000_000L;
    list = CliRun.of("vm", "list", "--data-dir", dir.resolve("b").toString());
    while (list.out().contains("on-a") && System.nanoTime() < deadline) {
      Thread.sleep(250);
      list = CliRun.of("vm", "list", "--data-dir", dir.resolve("b").toString());
    }
    assertTrue(!list.out().contains("on-a"), "a VM of a node that left is no longer listed: " + list.out());
  }
}
