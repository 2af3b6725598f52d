package io.hvx.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three nodes in one JVM, each its own actor system and HTTP endpoint, joined through a seed. */
class ClusterNodesTest {
  @TempDir static Path dir;
  static final List<HvxNode> nodes = new ArrayList<>();
  static final List<String> tokens = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    int seed = TestNodes.freePort();
    for (int i = 1; i <= 3; i++) {
      int clusterPort = i == 1 ? seed : TestNodes.freePort();
      Path data = dir.resolve("n" + i);
      nodes.add(HvxNode.start(TestNodes.config("n" + i, data, TestNodes.freePort(), clusterPort, List.of(seed))));
      tokens.add(Files.readString(data.resolve("token")).trim());
    }
  }

  @AfterAll
  static void stop() {
    nodes.reversed().forEach(HvxNode::close);
  }

  private static JsonNode get(int node, String path) throws Exception {
    return Json.MAPPER.readTree(TestNodes.get(nodes.get(node).url() + path, tokens.get(node)).body());
  }

  @Test
  void every_node_lists_all_three_with_their_attributes() throws Exception {
    for (int observer = 0; observer < 3; observer++) {
      Set<String> ids = new TreeSet<>();
      for (int attempt = 0; attempt < 200 && ids.size() < 3; attempt++) {
        ids.clear();
        for (JsonNode node : get(observer, "/hvx/nodes").path("nodes")) {
          if (node.path("status").asText().equals("up") && node.path("attributes").isObject()) {
            ids.add(node.path("id").asText());
          }
        }
        Thread.sleep(100);
      }
      assertEquals(Set.of("n1", "n2", "n3"), ids, "as seen by n" + (observer + 1));
    }
  }

  @Test
  void a_question_about_another_node_is_answered_by_that_node() throws Exception {
    JsonNode answer = null;
    for (int attempt = 0; attempt < 200; attempt++) {
      answer = get(0, "/hvx/nodes/n3");
      if (answer.has("info")) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals("n1", answer.path("servedBy").asText());
    assertEquals("n3", answer.path("info").path("answeredBy").asText());
    assertEquals(nodes.get(2).url(), answer.path("info").path("attributes").path("httpUrl").asText());
  }

  @Test
  void the_token_of_one_node_does_not_open_another() {
    assertEquals(401, TestNodes.get(nodes.get(1).url() + "/hvx/nodes", tokens.get(0)).statusCode());
  }
}
