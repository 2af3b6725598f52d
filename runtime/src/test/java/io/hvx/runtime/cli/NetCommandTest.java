package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import io.hvx.runtime.node.HvxNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hvx net} against a node started in this JVM: what each flag combination sends, and what it refuses. */
class NetCommandTest {
  @TempDir static Path dataDir;
  static HvxNode node;

  @BeforeAll
  static void start() throws Exception {
    node = HvxNode.start(TestNodes.config("net-cli", dataDir, TestNodes.freePort(), TestNodes.freePort(), List.of()));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static CliRun must(String... args) {
    CliRun run = CliRun.on(dataDir, args);
    assertEquals(0, run.exitCode(), String.join(" ", args) + ": " + run.err());
    return run;
  }

  private static JsonNode network(String name) throws Exception {
    return Json.MAPPER.readTree(must("net", "show", name, "-o", "json").out()).path("network");
  }

  @Test
  void delete_removes_a_subnet_a_reservation_and_a_record_that_were_added() throws Exception {
    must("net", "create", "teal");
    must("net", "subnet", "teal", "10.6.1.0/24", "--dhcp", "10.6.1.100-10.6.1.150");
    must("net", "subnet", "teal", "10.6.2.0/24");
    must("net", "reserve", "teal", "02:00:00:00:06:01", "10.6.2.10", "--hostname", "db");
    must("net", "record", "teal", "web", "10.6.1.20");

    CliRun held = CliRun.on(dataDir, "net", "subnet", "teal", "10.6.2.0/24", "--delete");
    assertEquals(ExitCodes.FAILED, held.exitCode(), held.err());
    assertTrue(held.err().contains("still holds the reservations of 02:00:00:00:06:01"), held.err());

    must("net", "reserve", "teal", "02:00:00:00:06:01", "--delete");
    must("net", "subnet", "teal", "10.6.2.0/24", "--delete");
    must("net", "record", "teal", "web", "--delete");
    JsonNode teal = network("teal");
    assertEquals(1, teal.path("subnets").size(), teal.toString());
    assertEquals("10.6.1.0/24", teal.path("subnets").get(0).path("cidr").asText(), teal.toString());
    assertEquals(0, teal.path("reservations").size(), teal.toString());
    assertEquals(0, teal.path("records").size(), teal.toString());

    CliRun gone = CliRun.on(dataDir, "net", "record", "teal", "web", "--delete");
    assertEquals(ExitCodes.FAILED, gone.exitCode(), gone.err());
    assertTrue(gone.err().contains("no DNS record 'web'"), gone.err());
  }

  @Test
  void delete_with_an_address_or_options_and_an_add_without_an_address_are_usage_errors(@TempDir Path noNode) {
    // Refused before any node is asked: here there is none.
    CliRun withAddress = CliRun.on(noNode, "net", "record", "any", "web", "10.0.0.1", "--delete");
    assertEquals(ExitCodes.USAGE, withAddress.exitCode());
    assertTrue(withAddress.err().contains("--delete takes no ADDRESS"), withAddress.err());
    CliRun withDhcp = CliRun.on(noNode, "net", "subnet", "any", "10.0.0.0/24", "--dhcp", "10.0.0.5-10.0.0.9",
        "--delete");
    assertEquals(ExitCodes.USAGE, withDhcp.exitCode());
    assertTrue(withDhcp.err().contains("--delete takes no --dhcp"), withDhcp.err());
    CliRun noAddress = CliRun.on(noNode, "net", "reserve", "any", "02:00:00:00:06:02");
    assertEquals(ExitCodes.USAGE, noAddress.exitCode());
    assertTrue(noAddress.err().contains("ADDRESS is missing"), noAddress.err());
  }
}
