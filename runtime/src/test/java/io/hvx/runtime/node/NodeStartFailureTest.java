package io.hvx.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.cli.ExitCodes;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeStartFailureTest {
  @TempDir Path dir;

  @Test
  void a_cluster_port_in_use_fails_start_with_a_message_naming_it() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      NodeStartException e = assertThrows(NodeStartException.class, () -> HvxNode.start(
          TestNodes.config("busy", dir, TestNodes.freePort(), taken.getLocalPort(), List.of())));
      assertTrue(e.getMessage().contains("cluster port " + taken.getLocalPort()), e.getMessage());
      assertTrue(e.getMessage().contains("--cluster-port"), e.getMessage());
    }
  }

  @Test
  void an_http_port_in_use_fails_start_from_the_cli_with_one_line_and_exit_code_3() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      CliRun run = CliRun.of("node", "start", "--data-dir", dir.toString(), "--http-port", "" + taken.getLocalPort(),
          "--cluster-port", "" + TestNodes.freePort());
      assertEquals(ExitCodes.UNREACHABLE, run.exitCode());
      assertTrue(run.err().startsWith("hvx: HTTP port " + taken.getLocalPort()), run.err());
      assertEquals(1, run.err().strip().lines().count(), "expected one line, got: " + run.err());
      assertFalse(run.err().contains("\tat "), "stack trace leaked: " + run.err());
    }
  }

  @Test
  void an_unreachable_seed_fails_start_after_the_join_timeout_with_exit_code_3() {
    int nobody = TestNodes.freePort();
    System.setProperty("hvx.cluster.join-timeout", "3s");
    ConfigFactory.invalidateCaches();
    try {
      CliRun run = CliRun.of("node", "start", "--data-dir", dir.toString(), "--http-port", "" + TestNodes.freePort(),
          "--cluster-port", "" + TestNodes.freePort(), "--seed", "127.0.0.1:" + nobody);
      assertEquals(ExitCodes.UNREACHABLE, run.exitCode(), run.err());
      assertTrue(run.err().contains("could not join the cluster seed nodes [127.0.0.1:" + nobody + "]"), run.err());
    } finally {
      System.clearProperty("hvx.cluster.join-timeout");
      ConfigFactory.invalidateCaches();
    }
  }

  @Test
  void a_bad_setting_fails_with_exit_code_2_naming_the_key() {
    CliRun run = CliRun.of("node", "start", "--data-dir", dir.toString(), "--seed", "no-port-here");
    assertEquals(ExitCodes.USAGE, run.exitCode());
    assertEquals("hvx: setting --seed: expected host:port, found 'no-port-here'", run.err().strip());
  }

  @Test
  void the_cli_without_a_node_says_how_to_point_it_at_one() {
    CliRun run = CliRun.of("node", "list", "--data-dir", dir.resolve("empty").toString());
    assertEquals(ExitCodes.UNREACHABLE, run.exitCode());
    assertTrue(run.err().contains("--url"), run.err());
  }

  @Test
  void an_unknown_flag_is_a_usage_error() {
    assertEquals(ExitCodes.USAGE, CliRun.of("node", "list", "--no-such-flag").exitCode());
  }
}
