package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import io.hvx.runtime.vm.GuestKitFiles;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code hvx node start} process runs the guest kit on 2 software vCPUs: once driven over HTTP and the
 * WebSocket console, once by {@code hvx vm run} with commands piped in. Each test pays one full boot (~2 min here).
 */
class VmProcessesTest {
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(8);

  @TempDir static Path dir;
  static Process node;
  static Path dataDir;
  static String url;
  static String token;

  @BeforeAll
  static void startNode() throws Exception {
    try {
      GuestKitFiles.require(new PrintStream(System.out));
    } catch (GuestKitException e) {
      Assumptions.abort("the guest kit (Debian kernel, busybox-static) cannot be had here: " + e.getMessage());
    }
    dataDir = dir.resolve("node");
    node = startNodeProcess("vm-node", dataDir, dir.resolve("node.log"));
    url = Files.readString(dataDir.resolve("endpoint")).trim();
    token = Files.readString(dataDir.resolve("token")).trim();
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.destroyForcibly();
    }
  }

  /** A test that failed half-way must not leave its VM eating the CPU the next test needs. */
  @AfterEach
  void removeVms() throws Exception {
    removeAllVms(dataDir);
  }

  /** Deletes every VM of the node whose data directory is {@code dataDir}, stopping those that run. */
  static void removeAllVms(Path dataDir) throws Exception {
    for (JsonNode vm : Json.MAPPER.readTree(CliRun.of("vm", "list", "-o", "json", "--data-dir", dataDir.toString()).out())) {
      CliRun.of("vm", "rm", "--force", vm.path("id").asText(), "--data-dir", dataDir.toString());
    }
  }

  /** Starts {@code hvx node start} as a one-node cluster and returns once its endpoint file is written. */
  static Process startNodeProcess(String name, Path dataDir, Path log) throws Exception {
    int cluster = TestNodes.freePort();
    List<String> command = java();
    command.addAll(List.of(HvxCommand.class.getName(), "node", "start", "--name", name, "--data-dir",
        dataDir.toString(), "--http-port", "" + TestNodes.freePort(), "--cluster-port", "" + cluster,
        "--seed", "127.0.0.1:" + cluster));
    Process started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!Files.exists(dataDir.resolve("endpoint"))) {
      if (!started.isAlive() || System.nanoTime() > deadline) {
        fail("the node did not start:\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    return started;
  }

  static List<String> java() {
    return TestNodes.javaCommand("512m");
  }

  /** Runs {@code hvx} in-process against the test's node. */
  private static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", dataDir.toString()));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static JsonNode vm(String name) throws Exception {
    CliRun show = cli("vm", "show", name, "-o", "json");
    assertEquals(0, show.exitCode(), show.err());
    return Json.MAPPER.readTree(show.out());
  }

  /** A WebSocket console viewer: keeps everything it received as text. */
  static final class Viewer implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      text.append(new String(bytes, StandardCharsets.ISO_8859_1));
      notifyAll();
      socket.request(1);
      return null;
    }

    synchronized int length() {
      return text.length();
    }

    synchronized boolean contains(String seen) {
      return text.indexOf(seen) >= 0;
    }

    synchronized Matcher await(Pattern pattern, int from, Duration limit) throws InterruptedException {
      long end = System.nanoTime() + limit.toNanos();
      while (true) {
        Matcher m = pattern.matcher(text);
        if (m.find(Math.min(from, text.length()))) {
          return m;
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          fail("no " + pattern + " on the console within " + limit + "; it ends with:\n"
              + text.substring(Math.max(0, text.length() - 3000)));
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  private static WebSocket connect(HttpClient http, String id, Viewer viewer) {
    return http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/hvx/vms/" + id + "/console"), viewer).join();
  }

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void aTwoVcpuVmCreatedOverHttpAnswersOnItsWebSocketConsoleAndIsPausedStoppedAndDeleted() throws Exception {
    HttpResponse<String> created = TestNodes.post(url + "/hvx/vms", token,
        "{\"name\": \"web-1\", \"vcpus\": 2, \"memory\": \"256M\", \"start\": true}");
    assertEquals(201, created.statusCode(), created.body());
    String id = Json.MAPPER.readTree(created.body()).path("id").asText();
    // Not try-with-resources: HttpClient.close() waits for open WebSockets, so a failed assertion would hang
    // the test until its timeout instead of reporting.
    HttpClient http = HttpClient.newHttpClient();
    try {
      Viewer viewer = new Viewer();
      WebSocket socket = connect(http, id, viewer);
      Matcher prompt = viewer.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, BOOT_LIMIT);

      CliRun list = cli("vm", "list");
      assertEquals(0, list.exitCode(), list.err());
      assertTrue(list.out().matches("(?s).*" + id + "\\s+web-1\\s+vm-node\\s+running\\s+2\\s.*"), list.out());

      socket.sendText("grep -c ^processor /proc/cpuinfo; echo answer-$((6*7))\n", true).join();
      Matcher answer = viewer.await(Pattern.compile("\n(\\d+)\r?\nanswer-42\r?\n"), prompt.end(), Duration.ofMinutes(2));
      assertEquals("2", answer.group(1), "processors the guest sees");

      // a second viewer gets the recent output replayed, from the boot on
      Viewer late = new Viewer();
      WebSocket second = connect(http, id, late);
      late.await(Pattern.compile(Pattern.quote(GuestKit.BANNER)), 0, Duration.ofMinutes(2));
      late.await(Pattern.compile("answer-42"), 0, Duration.ofMinutes(2));
      second.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();

      assertEquals(0, cli("vm", "pause", "web-1").exitCode());
      assertEquals("paused", vm("web-1").path("state").asText());
      assertEquals(ExitCodes.FAILED, cli("vm", "rm", "web-1").exitCode(), "a paused VM is not deleted");
      assertEquals(0, cli("vm", "resume", "web-1").exitCode());
      int mark = viewer.length();
      socket.sendText("echo resumed-$((1+1))\n", true).join();
      viewer.await(Pattern.compile("\nresumed-2\r?\n"), mark, Duration.ofMinutes(2));

      CliRun stop = cli("vm", "stop", "web-1", "-o", "json");
      assertEquals(0, stop.exitCode(), stop.err());
      JsonNode stopped = Json.MAPPER.readTree(stop.out());
      assertEquals("stopped", stopped.path("state").asText());
      assertEquals("stopped", stopped.path("outcome").asText());
      String log = viewer.text.toString();
      for (String complaint : List.of("BUG:", "WARNING:", "Oops", "Kernel panic")) {
        assertFalse(log.contains(complaint), () -> "the kernel log has " + complaint + ":\n" + log);
      }
    } finally {
      http.shutdownNow();
    }
    CliRun rm = cli("vm", "rm", "web-1");
    assertEquals(0, rm.exitCode(), rm.err());
    CliRun list = cli("vm", "list", "-o", "json");
    assertEquals("[ ]", list.out().trim());
  }

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void vmRunBootsTheGuestKitTypesPipedCommandsAndExitsWithTheGuest() throws Exception {
    List<String> command = java();
    command.addAll(List.of(HvxCommand.class.getName(), "vm", "run", "--vcpus", "2", "--name", "piped", "--rm",
        "--data-dir", dataDir.toString()));
    Process run = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("run.log").toFile()).start();
    run.getOutputStream().write("echo piped-$((40+2)); poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
    run.getOutputStream().close();
    boolean ended = run.waitFor(BOOT_LIMIT.toMinutes() + 1, TimeUnit.MINUTES);
    String output = Files.readString(dir.resolve("run.log"), StandardCharsets.ISO_8859_1);
    if (!ended) {
      run.destroyForcibly();
      fail("hvx vm run did not end; its output ends with:\n" + output.substring(Math.max(0, output.length() - 3000)));
    }
    assertEquals(0, run.exitValue(), () -> "exit code of hvx vm run; output:\n" + output);
    assertTrue(output.contains("\npiped-42"), output);
    assertTrue(output.contains("the guest powered off"), output);
    CliRun list = cli("vm", "list", "-o", "json");
    assertFalse(list.out().contains("piped"), "--rm deleted the VM: " + list.out());
  }
}
