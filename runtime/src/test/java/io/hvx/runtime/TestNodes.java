package io.hvx.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Settings and helpers for nodes started by tests: loopback, free ports, fast failure detection. */
public final class TestNodes {
  /** Split-brain settings for tests; a lost node is removed within {@link #REMOVAL_SECONDS}. */
  public static final Map<String, String> FAST_DOWNING = Map.of(
      "hvx.cluster.split-brain.stable-after", "2s",
      "hvx.cluster.split-brain.failure-detector-pause", "2s");

  public static final int REMOVAL_SECONDS = 30;

  private TestNodes() {}

  /**
   * The start of a command line that runs a class of the test class path in a new JVM with {@code maxHeap}
   * and the flags the {@code hvx} launcher gives nodes (without the overlay's, a node falls back to slower
   * socket paths, which tests would then check instead of the real ones).
   */
  public static List<String> javaCommand(String maxHeap) {
    String java = ProcessHandle.current().info().command().orElse("java");
    return new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx" + maxHeap, "-cp",
        System.getProperty("java.class.path")));
  }

  /**
   * The overlay (Aeron) directories of node process {@code node} in the temporary directory node processes
   * share with this JVM: they are named after the process ({@code hvx-aeron-PID-...}).
   */
  public static List<String> aeronDirectoriesOf(Process node) {
    String[] names = new File(System.getProperty("java.io.tmpdir"))
        .list((parent, name) -> name.startsWith("hvx-aeron-" + node.pid() + "-"));
    return names == null ? List.of() : List.of(names);
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The settings of a test node; {@code seeds} empty makes it form its own cluster. */
  public static Config config(String name, Path dataDir, int httpPort, int clusterPort, List<Integer> seeds) {
    StringBuilder hocon = new StringBuilder();
    hocon.append("hvx.node.name = ").append(name).append('\n');
    hocon.append("hvx.node.data-dir = \"").append(dataDir).append("\"\n");
    hocon.append("hvx.node.cloud = test-cloud\n");
    hocon.append("hvx.http.port = ").append(httpPort).append('\n');
    hocon.append("hvx.cluster.port = ").append(clusterPort).append('\n');
    hocon.append("hvx.cluster.seed-nodes = [");
    for (int seed : seeds) {
      hocon.append("\"127.0.0.1:").append(seed).append("\",");
    }
    hocon.append("]\n");
    FAST_DOWNING.forEach((key, value) -> hocon.append(key).append(" = ").append(value).append('\n'));
    return ConfigFactory.parseString(hocon.toString()).withFallback(ConfigFactory.load());
  }

  /** A plain HTTP GET; {@code token} null sends no Authorization header. */
  public static HttpResponse<String> get(String url, String token) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET(), token);
  }

  public static HttpResponse<String> put(String url, String token, String body) {
    return send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json"), token);
  }

  public static HttpResponse<String> post(String url, String token, String body) {
    return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json"), token);
  }

  public static HttpResponse<String> delete(String url, String token) {
    return send(HttpRequest.newBuilder(URI.create(url)).DELETE(), token);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request, String token) {
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
