package io.hvx.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad request on /hvx/vms gets a JSON error with the right status; no VM boots here. */
class VmRoutesTest {
  @TempDir static Path dataDir;
  static HvxNode node;
  static String token;
  static Path notAKernel;

  @BeforeAll
  static void start() throws Exception {
    node = HvxNode.start(TestNodes.config("vm-api", dataDir, TestNodes.freePort(), TestNodes.freePort(), List.of()));
    token = Files.readString(dataDir.resolve("token")).trim();
    notAKernel = Files.writeString(dataDir.resolve("not-a-kernel"), "plain text, no bzImage header");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> post(String path, String body) {
    return TestNodes.post(node.url() + path, token, body);
  }

  private static HttpResponse<String> delete(String path) throws Exception {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(HttpRequest.newBuilder(URI.create(node.url() + path)).DELETE()
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static JsonNode expect(int status, String error, HttpResponse<String> response) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = Json.MAPPER.readTree(response.body());
    if (error != null) {
      assertEquals(error, body.path("error").asText(), response.body());
      assertTrue(body.path("message").asText().length() > 10, "a message a user can act on: " + response.body());
    }
    return body;
  }

  private static String kernel() {
    return "\"kernel\": \"" + notAKernel + "\"";
  }

  @Test
  void badBodiesAreRefusedWith400AndSayWhatIsWrong() throws Exception {
    expect(400, "bad_request", post("/hvx/vms", "{not json"));
    expect(400, "bad_definition", post("/hvx/vms", "[1, 2]"));
    assertTrue(expect(400, "bad_definition", post("/hvx/vms", "{\"cpus\": 2}")).path("message").asText()
        .contains("cpus"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"vcpus\": 0, " + kernel() + "}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"vcpus\": \"two\"}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"memory\": \"lots\"}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"memory\": 65536, " + kernel() + "}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"kernel\": \"/no/such/vmlinuz\"}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"name\": \"Bad Name\", " + kernel() + "}"));
    expect(400, "bad_definition", post("/hvx/vms", "{\"nics\": \"net-1\", " + kernel() + "}"));
  }

  @Test
  void unknownVmsAndActionsAre404() throws Exception {
    expect(404, "not_found", TestNodes.get(node.url() + "/hvx/vms/nothing", token));
    expect(404, "not_found", post("/hvx/vms/nothing/start", "{}"));
    expect(404, "not_found", delete("/hvx/vms/nothing"));
    expect(404, "not_found", TestNodes.get(node.url() + "/hvx/vms/nothing/console", token));
  }

  @Test
  void requestsThatDoNotFitTheVmsStateAre409AndAnUnbootableKernelFailsTheVm() throws Exception {
    JsonNode created = expect(201, null, post("/hvx/vms", "{\"name\": \"unbootable\", \"vcpus\": 1, "
        + "\"memory\": \"64M\", " + kernel() + "}"));
    assertEquals("created", created.path("state").asText());
    assertEquals(64L << 20, created.path("memoryBytes").asLong());
    String id = created.path("id").asText();

    expect(409, "conflict", post("/hvx/vms", "{\"name\": \"unbootable\", " + kernel() + "}"));
    expect(409, "conflict", post("/hvx/vms/unbootable/pause", "{}"));
    expect(409, "conflict", post("/hvx/vms/" + id + "/resume", "{}"));
    expect(404, "not_found", post("/hvx/vms/" + id + "/explode", "{}"));

    JsonNode started = expect(200, null, post("/hvx/vms/" + id + "/start", "{}"));
    assertEquals("failed", started.path("state").asText(), started.toString());
    assertEquals("bad-kernel", started.path("outcome").asText());
    // The CLI says so and exits 5, rather than printing a failed VM and exiting 0.
    CliRun cliStart = CliRun.on(dataDir, "vm", "start", "unbootable");
    assertEquals(5, cliStart.exitCode(), cliStart.out() + cliStart.err());
    assertTrue(cliStart.err().contains("hvx: VM unbootable failed: the kernel cannot be booted"), cliStart.err());

    JsonNode listed = expect(200, null, TestNodes.get(node.url() + "/hvx/vms", token));
    assertEquals("failed", listed.path("vms").get(0).path("state").asText());
    expect(400, null, TestNodes.get(node.url() + "/hvx/vms/" + id + "/console", token));

    expect(200, null, delete("/hvx/vms/unbootable"));
    expect(404, "not_found", TestNodes.get(node.url() + "/hvx/vms/" + id, token));
  }
}
