package io.hvx.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpApiTest {
  @TempDir static Path dataDir;
  static HvxNode node;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    node = HvxNode.start(TestNodes.config("api-1", dataDir, TestNodes.freePort(), TestNodes.freePort(), List.of()));
    token = Files.readString(dataDir.resolve("token")).trim();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        "not JSON: " + response.headers().map());
    return Json.MAPPER.readTree(response.body());
  }

  @Test
  void the_endpoint_file_points_at_the_node() throws Exception {
    assertEquals(node.url(), Files.readString(dataDir.resolve("endpoint")).trim());
  }

  @Test
  void hvx_routes_need_the_token() throws Exception {
    HttpResponse<String> response = TestNodes.get(node.url() + "/hvx/nodes", null);
    assertEquals(401, response.statusCode());
    assertEquals("unauthorized", json(response).path("error").asText());
    assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
  }

  @Test
  void pekko_management_routes_need_the_token_too() throws Exception {
    assertEquals(401, TestNodes.get(node.url() + "/cluster/members", null).statusCode());
    assertEquals(401, TestNodes.get(node.url() + "/cluster/members", token + "x").statusCode());
    HttpResponse<String> members = TestNodes.get(node.url() + "/cluster/members", token);
    assertEquals(200, members.statusCode());
    assertEquals("Up", Json.MAPPER.readTree(members.body()).path("members").get(0).path("status").asText());
  }

  @Test
  void a_wrong_token_is_refused() throws Exception {
    HttpResponse<String> response = TestNodes.get(node.url() + "/hvx/nodes", "not-the-token");
    assertEquals(401, response.statusCode());
    assertEquals("wrong bearer token", json(response).path("message").asText());
  }

  @Test
  void the_node_lists_itself_with_its_attributes() throws Exception {
    JsonNode nodes = null;
    for (int attempt = 0; attempt < 100; attempt++) {
      nodes = json(TestNodes.get(node.url() + "/hvx/nodes", token)).path("nodes");
      if (nodes.size() == 1 && nodes.get(0).path("attributes").isObject()) {
        break;
      }
      Thread.sleep(100);
    }
    JsonNode self = nodes.get(0);
    assertEquals("api-1", self.path("id").asText());
    assertEquals("up", self.path("status").asText());
    assertEquals("test-cloud", self.path("attributes").path("cloud").asText());
    assertEquals(Runtime.getRuntime().availableProcessors(), self.path("attributes").path("cpus").asInt());
    assertTrue(self.path("attributes").path("freeDiskBytes").asLong() > 0);
    assertTrue(self.path("attributes").path("memoryBytes").asLong() > 0);
  }

  @Test
  void an_unknown_route_is_a_json_404_naming_it() throws Exception {
    HttpResponse<String> response = TestNodes.get(node.url() + "/hvx/no-such-thing", token);
    assertEquals(404, response.statusCode());
    assertEquals("no route GET /hvx/no-such-thing", json(response).path("message").asText());
  }

  @Test
  void an_unknown_node_is_a_json_404() throws Exception {
    HttpResponse<String> response = TestNodes.get(node.url() + "/hvx/nodes/ghost", token);
    assertEquals(404, response.statusCode());
    assertTrue(json(response).path("message").asText().contains("ghost"));
  }

  @Test
  void malformed_json_is_a_400_that_says_so() throws Exception {
    HttpResponse<String> response = TestNodes.put(node.url() + "/hvx/nodes/api-1/labels", token, "{\"labels\": {");
    assertEquals(400, response.statusCode());
    assertTrue(json(response).path("message").asText().startsWith("malformed JSON"), response.body());
  }

  @Test
  void well_formed_json_of_the_wrong_shape_is_a_400_showing_the_expected_shape() throws Exception {
    HttpResponse<String> response = TestNodes.put(node.url() + "/hvx/nodes/api-1/labels", token, "[1,2]");
    assertEquals(400, response.statusCode());
    assertTrue(json(response).path("message").asText().contains("\"labels\""), response.body());
    response = TestNodes.put(node.url() + "/hvx/nodes/api-1/labels", token, "{\"labels\": {\"rack\": 7}}");
    assertEquals(400, response.statusCode());
  }

  @Test
  void a_wrong_method_is_a_json_405() throws Exception {
    HttpResponse<String> response = TestNodes.put(node.url() + "/hvx/nodes", token, "{}");
    assertEquals(405, response.statusCode());
    assertEquals("method_not_allowed", json(response).path("error").asText());
  }

  @Test
  void labels_are_stored_on_the_node_and_published() throws Exception {
    HttpResponse<String> response =
        TestNodes.put(node.url() + "/hvx/nodes/api-1/labels", token, "{\"labels\": {\"rack\": \"r7\", \"gpu\": \"no\"}}");
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(Files.readString(dataDir.resolve("labels.properties")).contains("rack=r7"));
    String rack = "";
    for (int attempt = 0; attempt < 100 && !rack.equals("r7"); attempt++) {
      Thread.sleep(50);
      rack = json(TestNodes.get(node.url() + "/hvx/nodes", token)).path("nodes").get(0)
          .path("attributes").path("labels").path("rack").asText();
    }
    assertEquals("r7", rack);
  }

  @Test
  void the_bootstrap_route_answers_peers_without_a_token() {
    // Peers' Cluster Bootstrap cannot send a token; the route is documented as open.
    HttpResponse<String> response = TestNodes.get(node.url() + "/bootstrap/seed-nodes", null);
    assertTrue(response.statusCode() != 401, "bootstrap probing must not need the token: " + response.statusCode());
  }

  @Test
  void network_definitions_are_validated_with_json_errors_naming_the_problem() throws Exception {
    String networks = node.url() + "/hvx/networks";
    HttpResponse<String> malformed = TestNodes.post(networks, token, "{not json");
    assertEquals(400, malformed.statusCode());
    assertTrue(json(malformed).path("message").asText().startsWith("malformed JSON"), malformed.body());
    HttpResponse<String> badName = TestNodes.post(networks, token, "{\"name\": \"Bad Name\"}");
    assertEquals(400, badName.statusCode());
    assertTrue(json(badName).path("message").asText().contains("bad network name"), badName.body());

    assertEquals(201, TestNodes.post(networks, token, "{\"name\": \"red\"}").statusCode());
    assertEquals(400, TestNodes.post(networks, token, "{\"name\": \"red\"}").statusCode(), "exists already");
    assertEquals(200, TestNodes.post(networks + "/red/subnets", token, "{\"cidr\": \"10.1.0.0/16\"}").statusCode());
    HttpResponse<String> overlap = TestNodes.post(networks + "/red/subnets", token, "{\"cidr\": \"10.1.2.0/24\"}");
    assertEquals(400, overlap.statusCode());
    assertTrue(json(overlap).path("message").asText().contains("overlaps subnet 10.1.0.0/16"), overlap.body());
    HttpResponse<String> wrongType = TestNodes.post(networks + "/red/subnets", token, "{\"cidr\": 5}");
    assertTrue(json(wrongType).path("message").asText().contains("must be a string"), wrongType.body());
    HttpResponse<String> missing = TestNodes.post(networks + "/none/subnets", token, "{\"cidr\": \"10.2.0.0/16\"}");
    assertEquals(404, missing.statusCode());

    JsonNode red = json(TestNodes.get(networks + "/red", token));
    assertEquals(1, red.path("network").path("subnets").size());
    assertEquals("10.1.0.1", red.path("network").path("subnets").get(0).path("gateway").asText());
    JsonNode counters = json(TestNodes.get(node.url() + "/hvx/network/counters", token));
    assertTrue(counters.path("counters").has("SWITCH_RUNT_FRAMES"), counters.toString());
  }

  @Test
  void subnets_reservations_and_records_are_removed_one_by_one_with_json_errors_for_what_is_not_there()
      throws Exception {
    String green = node.url() + "/hvx/networks/green";
    assertEquals(201, TestNodes.post(node.url() + "/hvx/networks", token, "{\"name\": \"green\"}").statusCode());
    assertEquals(200, TestNodes.post(green + "/subnets", token, "{\"cidr\": \"10.5.1.0/24\"}").statusCode());
    assertEquals(200, TestNodes.post(green + "/subnets", token, "{\"cidr\": \"10.5.2.0/24\"}").statusCode());
    assertEquals(200, TestNodes.post(green + "/reservations", token,
        "{\"mac\": \"02:00:00:00:05:01\", \"address\": \"10.5.2.10\"}").statusCode());
    assertEquals(200, TestNodes.post(green + "/records", token,
        "{\"name\": \"web\", \"address\": \"10.5.1.20\"}").statusCode());

    HttpResponse<String> held = TestNodes.delete(green + "/subnets/10.5.2.0/24", token);
    assertEquals(400, held.statusCode(), held.body());
    assertTrue(json(held).path("message").asText().contains("still holds the reservations of 02:00:00:00:05:01"),
        held.body());
    assertEquals(200, TestNodes.delete(green + "/reservations/02:00:00:00:05:01", token).statusCode());
    assertEquals(200, TestNodes.delete(green + "/subnets/10.5.2.0/24", token).statusCode());
    // The slash may also come encoded, as one path segment.
    assertEquals(200, TestNodes.delete(green + "/subnets/10.5.1.0%2F24", token).statusCode());
    HttpResponse<String> removed = TestNodes.delete(green + "/records/web", token);
    assertEquals(200, removed.statusCode(), removed.body());
    JsonNode network = json(removed);
    assertEquals(0, network.path("subnets").size(), removed.body());
    assertEquals(0, network.path("reservations").size(), removed.body());
    assertEquals(0, network.path("records").size(), removed.body());

    HttpResponse<String> noSubnet = TestNodes.delete(green + "/subnets/10.5.9.0/24", token);
    assertEquals(404, noSubnet.statusCode(), noSubnet.body());
    assertEquals("not_found", json(noSubnet).path("error").asText(), noSubnet.body());
    assertTrue(json(noSubnet).path("message").asText().contains("no subnet 10.5.9.0/24"), noSubnet.body());
    assertEquals(404, TestNodes.delete(green + "/records/web", token).statusCode());
    assertEquals(404, TestNodes.delete(node.url() + "/hvx/networks/none/records/web", token).statusCode());
    HttpResponse<String> badMac = TestNodes.delete(green + "/reservations/zz", token);
    assertEquals(400, badMac.statusCode(), badMac.body());
    assertTrue(json(badMac).path("message").asText().contains("bad MAC"), badMac.body());
  }
}
