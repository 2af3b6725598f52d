package io.hvx.runtime.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigValueFactory;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image store through a real node's HTTP endpoint, with its bearer token. */
class ImageRoutesTest {
  @TempDir static Path dataDir;
  static HvxNode node;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    node = HvxNode.start(TestNodes.config("images-1", dataDir, TestNodes.freePort(), TestNodes.freePort(), List.of())
        .withValue("hvx.storage.nbd.enabled", ConfigValueFactory.fromAnyRef(true))
        .withValue("hvx.storage.nbd.port", ConfigValueFactory.fromAnyRef(0)));
    token = Files.readString(dataDir.resolve("token")).trim();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder request, String token) throws Exception {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
  }

  static JsonNode json(HttpResponse<byte[]> response) throws Exception {
    return Json.MAPPER.readTree(response.body());
  }

  static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(node.url() + path));
  }

  @Test
  void shouldPushListShowDownloadRemoveAndCollectOverHttp() throws Exception {
    // 12 MiB: more than Pekko HTTP's default 8 MiB entity limit; 4 MiB random, the rest zeros.
    byte[] disk = new byte[12 << 20];
    byte[] random = new byte[4 << 20];
    new Random(5).nextBytes(random);
    System.arraycopy(random, 0, disk, 0, random.length);
    HttpResponse<byte[]> pushed = send(request("/hvx/images/web?format=raw")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(disk)), token);
    assertEquals(201, pushed.statusCode(), new String(pushed.body()));
    JsonNode result = json(pushed);
    assertEquals(192, result.path("result").path("chunks").asInt());
    assertEquals(128, result.path("result").path("zeroChunks").asInt());
    assertEquals(2.0 / 3, result.path("zeroRatio").asDouble(), 1e-9);

    JsonNode list = json(send(request("/hvx/images").GET(), token));
    assertEquals("web", list.path("images").get(0).path("name").asText());
    assertEquals(disk.length, list.path("images").get(0).path("size").asLong());
    assertEquals(64, json(send(request("/hvx/images/web").GET(), token)).path("distinctChunks").asInt());

    HttpResponse<byte[]> data = send(request("/hvx/images/web/data").GET(), token);
    assertEquals(200, data.statusCode());
    assertArrayEquals(disk, data.body());

    // The node's NBD server serves the stored image through the node cache; qemu-img is the client.
    int nbdPort = json(send(request("/hvx/storage/counters").GET(), token)).path("nbdPort").asInt();
    assertTrue(nbdPort > 0);
    if (new java.io.File("/usr/bin/qemu-img").canExecute()) {
      Path copy = dataDir.resolve("copy.raw");
      Process p = new ProcessBuilder("qemu-img", "convert", "-f", "raw", "-O", "raw",
          "nbd://127.0.0.1:" + nbdPort + "/web", copy.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertEquals(0, p.waitFor(), out);
      assertArrayEquals(disk, Files.readAllBytes(copy));
      JsonNode counters = json(send(request("/hvx/storage/counters").GET(), token));
      assertEquals(64, counters.path("CACHE_STORE_FETCHES").asInt(), counters.toString());
      assertTrue(counters.path("NBD_BYTES_READ").asLong() >= 4 << 20, counters.toString());
    }

    // A snapshot of the image on this node, written over NBD, committed as a new image.
    assertEquals(200, send(request("/hvx/snapshots/vm1?base=web").PUT(HttpRequest.BodyPublishers.noBody()), token)
        .statusCode());
    assertEquals(409, send(request("/hvx/snapshots/vm1?base=web").PUT(HttpRequest.BodyPublishers.noBody()), token)
        .statusCode());
    assertEquals("vm1", json(send(request("/hvx/snapshots").GET(), token)).path("snapshots").get(0).path("name").asText());
    if (new java.io.File("/usr/bin/qemu-io").canExecute()) {
      Process w = new ProcessBuilder("qemu-io", "-f", "raw", "-c", "write -P 0x61 0 4096",
          "nbd://127.0.0.1:" + nbdPort + "/vm1").redirectErrorStream(true).start();
      String out = new String(w.getInputStream().readAllBytes());
      assertEquals(0, w.waitFor(), out);
    }
    HttpResponse<byte[]> committed = send(request("/hvx/snapshots/vm1/commit?name=web-v2")
        .POST(HttpRequest.BodyPublishers.noBody()), token);
    assertEquals(200, committed.statusCode(), new String(committed.body()));
    assertTrue(json(committed).path("newChunks").asInt() <= 1, new String(committed.body()));
    assertEquals("web", json(send(request("/hvx/images/web-v2").GET(), token)).path("parent").asText());
    assertEquals(404, send(request("/hvx/snapshots/none/commit?name=x").POST(HttpRequest.BodyPublishers.noBody()),
        token).statusCode());

    assertEquals(409, send(request("/hvx/images/web").PUT(HttpRequest.BodyPublishers.ofByteArray(disk)), token)
        .statusCode());
    assertEquals(200, send(request("/hvx/images/web").DELETE(), token).statusCode());
    HttpResponse<byte[]> gc = send(request("/hvx/images/gc?grace=0").POST(HttpRequest.BodyPublishers.noBody()), token);
    assertEquals(200, gc.statusCode(), new String(gc.body()));
    // web-v2 still refers to web's chunks, except the first one the snapshot changed.
    assertEquals(1, json(gc).path("chunksRemoved").asInt(), new String(gc.body()));
  }

  @Test
  void shouldAnswerErrorsAsJson() throws Exception {
    assertEquals(401, send(request("/hvx/images").GET(), null).statusCode());
    HttpResponse<byte[]> missing = send(request("/hvx/images/nothing").GET(), token);
    assertEquals(404, missing.statusCode());
    assertEquals("no image 'nothing' in the store (see 'hvx image list')", json(missing).path("message").asText());
    HttpResponse<byte[]> badGrace = send(request("/hvx/images/gc?grace=soon").POST(HttpRequest.BodyPublishers.noBody()),
        token);
    assertEquals(400, badGrace.statusCode());
    HttpResponse<byte[]> badFormat = send(request("/hvx/images/x?format=floppy")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[512])), token);
    assertEquals(400, badFormat.statusCode());
    assertTrue(json(badFormat).path("message").asText().contains("unknown image format 'floppy'"));
  }
}
