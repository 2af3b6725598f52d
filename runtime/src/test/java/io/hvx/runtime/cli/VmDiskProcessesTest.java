package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import io.hvx.net.frame.MacAddress;
import io.hvx.runtime.vm.GuestKitFiles;
import io.hvx.runtime.vm.NicSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code hvx node start} process boots the guest kit's disk variant from a store image: the VM's root disk
 * is its own copy-on-write snapshot on virtio-blk, kept across stop and start, committed as a new image that
 * holds what the guest wrote (read back with e2fsprogs from the pulled image), and removed with the VM. An extra
 * disk from an image is read-only; the NIC is a vPort of the node's hSwitch that DHCP gives an address on both
 * boots, with the same MAC; a second VM boots from the committed image and reads the file. Debian's virtio_blk,
 * ext4 and virtio_net drivers and busybox udhcpc are the peers. Three boots (272 s for the class here, load ~15).
 */
class VmDiskProcessesTest {
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(10);
  /** Waits for eth0's DHCP lease (udhcpc runs in the background), then prints "MAC inet ADDRESS/PREFIX". */
  private static final String LEASE = "for i in $(seq 60); do ip -4 addr show eth0 | grep -q inet && break; sleep 1;"
      + " done; echo $(cat /sys/class/net/eth0/address) $(ip -4 addr show eth0 | grep -o 'inet [0-9./]*')\n";

  @TempDir static Path dir;
  static Process node;
  static Path dataDir;
  static String url;
  static String token;
  static GuestKit.DiskKit kit;

  @BeforeAll
  static void startNode() throws Exception {
    try {
      kit = GuestKitFiles.requireDisk(new PrintStream(System.out));
    } catch (GuestKitException e) {
      Assumptions.abort("the disk kit (Debian kernel, busybox-static, e2fsprogs) cannot be had here: " + e.getMessage());
    }
    dataDir = dir.resolve("node");
    node = VmProcessesTest.startNodeProcess("disk-node", dataDir, dir.resolve("node.log"));
    url = Files.readString(dataDir.resolve("endpoint")).trim();
    token = Files.readString(dataDir.resolve("token")).trim();
    CliRun push = cli("guest-kit", "--disk", "--push", "disk-kit");
    assertEquals(0, push.exitCode(), push.err());
    assertTrue(push.out().contains("disk: " + kit.disk().toAbsolutePath()), push.out());
    must("net", "create", "lan");
    must("net", "subnet", "lan", "10.77.0.0/24", "--dhcp", "10.77.0.100-10.77.0.150");
  }

  private static void must(String... args) {
    CliRun run = cli(args);
    assertEquals(0, run.exitCode(), () -> String.join(" ", args) + ": " + run.err());
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.destroyForcibly();
    }
  }

  @AfterEach
  void removeVms() throws Exception {
    VmProcessesTest.removeAllVms(dataDir);
  }

  private static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", dataDir.toString()));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static void refused(int status, String reason, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.body().contains(reason), response.body());
  }

  private static void refused(int exitCode, String reason, CliRun run) {
    assertEquals(exitCode, run.exitCode(), run.out());
    assertTrue(run.err().contains(reason), run.err());
  }

  private static HttpResponse<String> post(String path, String body) {
    return TestNodes.post(url + path, token, body);
  }

  @Test
  void unknownImagesBadImageNamesAndCommitsOfVmsWithoutADiskAreRefusedWithTheReason() throws Exception {
    refused(400, "no image 'no-such-image' in the store", post("/hvx/vms", "{\"name\": \"ghost\","
        + " \"image\": \"no-such-image\"}"));
    refused(400, "image '../etc'", post("/hvx/vms", "{\"name\": \"ghost\", \"image\": \"../etc\"}"));
    refused(400, "no network 'no-such-net'", post("/hvx/vms", "{\"name\": \"ghost\", \"nics\": [\"no-such-net\"]}"));
    refused(400, "unicast MAC", post("/hvx/vms", "{\"name\": \"ghost\","
        + " \"nics\": [\"lan,mac=01:00:5e:00:00:01\"]}"));
    refused(ExitCodes.FAILED, "no volume 'no-such-volume' on this node",
        cli("vm", "create", "--name", "ghost", "--disk", "volume=no-such-volume"));
    refused(400, "no image 'nope' on this node", post("/hvx/vms", "{\"name\": \"ghost\", \"disks\": [\"image=nope\"]}"));
    refused(400, "use volume=NAME, image=NAME or snapshot=NAME",
        post("/hvx/vms", "{\"name\": \"ghost\", \"disks\": [\"/tmp/x.img\"]}"));
    refused(ExitCodes.USAGE, "add --disk", cli("guest-kit", "--push", "x"));
    refused(ExitCodes.FAILED, "unknown option 'speed=10'",
        cli("vm", "create", "--name", "ghost", "--net", "lan,speed=10"));
    CliRun listed = cli("vm", "list", "-o", "json");
    assertEquals("[ ]", listed.out().trim(), "a refused VM is not defined");
    assertFalse(Files.exists(dataDir.resolve("snapshots")) && Files.list(dataDir.resolve("snapshots"))
        .anyMatch(p -> !p.getFileName().toString().startsWith(".")), "a refused VM leaves no snapshot");

    HttpResponse<String> plain = post("/hvx/vms", "{\"name\": \"plain\"}");
    assertEquals(201, plain.statusCode(), plain.body());
    refused(ExitCodes.FAILED, "has no root disk from an image", cli("vm", "commit", "plain", "--name", "plain-disk"));
    refused(400, "name the new image", post("/hvx/vms/plain/commit", "{}"));
    refused(404, "no VM 'nobody'", post("/hvx/vms/nobody/commit?name=x", "{}"));
  }

  @Test
  @Timeout(value = 25, unit = TimeUnit.MINUTES)
  void aVmFromAStoreImageKeepsWhatItWroteAcrossStopAndStartAndCommitsItAsANewImage() throws Exception {
    CliRun created = cli("vm", "create", "--name", "disk-vm", "--vcpus", "1", "--image", "disk-kit", "--net", "lan",
        "--disk", "image=disk-kit", "-o", "json");
    assertEquals(0, created.exitCode(), created.err());
    String id = Json.MAPPER.readTree(created.out()).path("id").asText();
    String mac = MacAddress.format(NicSpec.parse("lan").macFor(id, 0));
    assertTrue(mac.startsWith("02:"), "a locally administered MAC: " + mac);
    Path snapshot = dataDir.resolve("snapshots").resolve("vm-" + id);
    assertTrue(Files.isDirectory(snapshot), "the VM's root snapshot");
    try (HttpClient http = HttpClient.newHttpClient()) {
      CliRun start = cli("vm", "start", "disk-vm");
      assertEquals(0, start.exitCode(), () -> start.err() + diagnosis("disk-vm"));
      VmProcessesTest.Viewer first = new VmProcessesTest.Viewer();
      WebSocket socket = connect(http, id, first);
      first.await(Pattern.compile(Pattern.quote(GuestKit.DISK_BANNER + ": disk-vm, Linux ") + ".*root /dev/vda"), 0,
          BOOT_LIMIT);
      first.await(Pattern.compile(Pattern.quote(GuestKit.DISK_PROMPT)), 0, Duration.ofMinutes(2));

      refused(409, "stop it before committing", post("/hvx/vms/disk-vm/commit?name=too-early", "{}"));

      int mark = first.length();
      socket.sendText("echo ro=$(cat /sys/block/vdb/ro) $(cat /sys/block/vdb/serial)\n", true).join();
      first.await(Pattern.compile("\nro=1 hvx-disk-0\r?\n"), mark, Duration.ofMinutes(2));
      mark = first.length();
      socket.sendText(LEASE, true).join();
      first.await(Pattern.compile("\n" + Pattern.quote(mac) + " inet 10\\.77\\.0\\.1[0-5]\\d/24\r?\n"), mark,
          Duration.ofMinutes(3));
      mark = first.length();
      socket.sendText("echo kept-across-restarts >/root/kept;sync;echo rc=$((6*7))\n", true).join();
      first.await(Pattern.compile("\nrc=42\r?\n"), mark, Duration.ofMinutes(2));
      CliRun stop = cli("vm", "stop", "disk-vm", "-o", "json");
      assertEquals(0, stop.exitCode(), stop.err());
      assertEquals("stopped", Json.MAPPER.readTree(stop.out()).path("state").asText());
      socket.abort();

      CliRun restart = cli("vm", "start", "disk-vm");
      assertEquals(0, restart.exitCode(), () -> restart.err() + diagnosis("disk-vm"));
      VmProcessesTest.Viewer second = new VmProcessesTest.Viewer();
      WebSocket again = connect(http, id, second);
      // the console replays the first boot's output too: wait for an answer only this boot's shell can give
      awaitShell(again, second, "second-boot");
      int from = second.length();
      // upper-cased by the guest: only the file's content, never the typed command, matches
      again.sendText("tr a-z A-Z </root/kept\n", true).join();
      second.await(Pattern.compile("\nKEPT-ACROSS-RESTARTS\r?\n"), from, Duration.ofMinutes(2));
      int mark2 = second.length();
      again.sendText(LEASE, true).join();
      second.await(Pattern.compile("\n" + Pattern.quote(mac) + " inet 10\\.77\\.0\\.1[0-5]\\d/24\r?\n"), mark2,
          Duration.ofMinutes(3));
      again.sendText("poweroff -f\n", true).join();
      awaitState("disk-vm", "stopped", Duration.ofMinutes(2));
      again.abort();
    }
    CliRun commit = cli("vm", "commit", "disk-vm", "--name", "disk-kit-v2");
    assertEquals(0, commit.exitCode(), commit.err());
    Path pulled = dir.resolve("committed.raw");
    CliRun pull = cli("image", "pull", "disk-kit-v2", pulled.toString());
    assertEquals(0, pull.exitCode(), pull.err());
    // replay the journal of a file system the guest did not unmount, then read the file
    host("e2fsck", 1, "-fy", pulled.toString());
    assertEquals("kept-across-restarts\n", host("debugfs", 0, "-R", "cat /root/kept", pulled.toString()));
    assertTrue(cli("image", "show", "disk-kit-v2").out().contains("parent: disk-kit"), "committed over its base");

    assertTrue(leaseRunsOn(mac), "the stopped VM keeps its lease: " + cli("net", "show", "lan").out());
    assertEquals(0, cli("vm", "rm", "disk-vm").exitCode());
    assertFalse(Files.exists(snapshot), "the VM's snapshot is deleted with it");
    long released = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (leaseRunsOn(mac) && System.nanoTime() < released) {
      Thread.sleep(500);
    }
    assertFalse(leaseRunsOn(mac), "a deleted VM's address returns to the pool: " + cli("net", "show", "lan").out());

    // a second VM boots from the committed image and finds the file the first one wrote
    CliRun second = cli("vm", "create", "--name", "disk-vm2", "--vcpus", "1", "--image", "disk-kit-v2", "--start",
        "-o", "json");
    assertEquals(0, second.exitCode(), second.err());
    String secondId = Json.MAPPER.readTree(second.out()).path("id").asText();
    try (HttpClient http = HttpClient.newHttpClient();
        VmConsole console = VmConsole.open(http, url, token, secondId, "disk-vm2")) {
      console.awaitShell("disk-vm2", BOOT_LIMIT);
      assertEquals("kept-across-restarts\n", console.run("dmesg -n 1; cat /root/kept", Duration.ofMinutes(2)));
    }
  }

  /** Whether network lan lists a lease of {@code mac} that has not ended. */
  private static boolean leaseRunsOn(String mac) throws Exception {
    CliRun show = cli("net", "show", "lan", "-o", "json");
    assertEquals(0, show.exitCode(), show.err());
    for (var lease : Json.MAPPER.readTree(show.out()).path("leases")) {
      if (lease.path("mac").asText().equalsIgnoreCase(mac) && lease.path("expiresAt").asLong() > System.currentTimeMillis()) {
        return true;
      }
    }
    return false;
  }

  private static WebSocket connect(HttpClient http, String id, WebSocket.Listener viewer) {
    return http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/hvx/vms/" + id + "/console"), viewer).join();
  }

  /** Types {@code echo MARKER-$((40+2))} every few seconds until the shell answers it. */
  private static void awaitShell(WebSocket socket, VmProcessesTest.Viewer viewer, String marker) throws Exception {
    long end = System.nanoTime() + BOOT_LIMIT.toNanos();
    while (!viewer.contains("\n" + marker + "-42")) {
      if (System.nanoTime() > end) {
        fail("the second boot's shell did not answer within " + BOOT_LIMIT + diagnosis("disk-vm"));
      }
      try {
        socket.sendText("echo " + marker + "-$((40+2))\n", true).join();
      } catch (CompletionException e) {
        throw new AssertionError("the console closed while waiting for the shell (" + e.getCause() + ")"
            + diagnosis("disk-vm"), e);
      }
      Thread.sleep(15_000);
    }
  }

  /** The VM as the node shows it and the end of the node's log, for a failure message. */
  private static String diagnosis(String vm) {
    String log;
    try {
      List<String> lines = Files.readAllLines(dir.resolve("node.log"));
      log = String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      log = "(no node log: " + e + ")";
    }
    return "\n--- hvx vm show " + vm + "\n" + cli("vm", "show", vm, "-o", "json").out() + "\n--- node log\n" + log;
  }

  private static void awaitState(String vm, String state, Duration limit) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    String now = "";
    while (System.nanoTime() < end) {
      now = Json.MAPPER.readTree(cli("vm", "show", vm, "-o", "json").out()).path("state").asText();
      if (now.equals(state)) {
        return;
      }
      Thread.sleep(500);
    }
    fail("VM " + vm + " is " + now + ", not " + state + ", after " + limit);
  }

  /** Runs an e2fsprogs tool (in /usr/sbin, often off a user's PATH) that may exit with at most maxExit. */
  private static String host(String tool, int maxExit, String... args) throws Exception {
    Path program = Files.isExecutable(Path.of("/usr/sbin", tool)) ? Path.of("/usr/sbin", tool) : Path.of("/sbin", tool);
    List<String> command = new ArrayList<>(List.of(program.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), tool + " did not finish");
    assertTrue(p.exitValue() <= maxExit, () -> String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    return out;
  }
}
