package io.hvx.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.http.Json;
import io.hvx.runtime.vm.GuestKitFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk-kit VMs on two real {@code hvx node start} processes in one cluster, sharing one image store: VM
 * {@code vma} on node n1 and {@code vmb} on n2, both on overlay network {@code lan}, get addresses from
 * DHCP, find each other by VM name through the network's DNS, and a 64 MiB file of random bytes moves
 * from A to B (busybox httpd on A, wget on B) with equal md5sums. Then {@code vmc} boots on n1 in
 * {@code lan2}, a network with the same subnet and DHCP range: it gets an address of the same kind, cannot
 * reach A or B (no ARP answer, no DNS name), while A and B still reach each other. Debian's virtio_net and
 * busybox are the guests' side. C boots after the transfer, so that at most two VMs boot at once on 2 shared
 * cores. Timings there (load average ~20 from other work): both boots with leases 91 s, making and summing the
 * 64 MiB in A 71 s, moving and summing it in B 77 s, the whole test 394 s.
 */
class OverlayVmsProcessesTest {
  private static final Duration BOOT_LIMIT = Duration.ofMinutes(10);
  private static final Duration SHORT = Duration.ofMinutes(2);
  private static final Pattern LEASED = Pattern.compile("inet (10\\.\\d+\\.0\\.(\\d+))/24");

  @TempDir Path dir;
  private final List<Process> nodes = new ArrayList<>();

  @AfterEach
  void stopNodes() throws InterruptedException {
    for (Process node : nodes) {
      node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.MINUTES)
  void vmsOnTwoNodesLeaseResolveEachOtherAndMoveAFileWhileAVmInADuplicateNetworkReachesNeither() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      Assumptions.abort("the hSwitch needs root for its TAP and namespace work on a node");
    }
    try {
      GuestKitFiles.requireDisk(new PrintStream(System.out));
    } catch (GuestKitException e) {
      Assumptions.abort("the disk kit (Debian kernel, busybox-static, e2fsprogs) cannot be had here: "
          + e.getMessage());
    }
    Path n1 = dir.resolve("n1");
    Path n2 = dir.resolve("n2");
    // n1 has the lower cluster port, so keep-majority keeps it should the pair split one against one
    int seed = TestNodes.freePort();
    int other = TestNodes.freePort();
    startNode("n1", n1, Math.min(seed, other), Math.min(seed, other));
    startNode("n2", n2, Math.max(seed, other), Math.min(seed, other));
    awaitTrue("both nodes have a tunnel to the other", Duration.ofSeconds(90), () -> seesPeer(n1) && seesPeer(n2));

    must(n1, "guest-kit", "--disk", "--push", "disk-kit");
    int octet = 200 + (int) (System.nanoTime() % 50);
    String subnet = "10." + octet + ".0.0/24";
    String range = "10." + octet + ".0.100-10." + octet + ".0.150";
    String gateway = "10." + octet + ".0.1";
    must(n1, "net", "create", "lan");
    must(n1, "net", "subnet", "lan", subnet, "--dhcp", range);
    awaitTrue("n2 knows network lan", Duration.ofSeconds(30),
        () -> CliRun.on(n2, "net", "show", "lan").exitCode() == 0);

    String a = create(n1, "vma", "lan", "384M");
    String b = create(n2, "vmb", "lan", "256M");
    try (HttpClient http = HttpClient.newHttpClient();
        VmConsole vma = console(http, n1, a, "vma");
        VmConsole vmb = console(http, n2, b, "vmb")) {
      long boot = System.nanoTime();
      vma.awaitShell("vma", BOOT_LIMIT);
      vmb.awaitShell("vmb", BOOT_LIMIT);
      String addressA = lease(vma);
      String addressB = lease(vmb);
      assertNotEquals(addressA, addressB);
      System.out.printf("both VMs booted with leases %s and %s in %d s%n", addressA, addressB, seconds(boot));

      // A's lease was granted by n1; n2's DNS (B's resolver) knows it through the replicated lease map
      String found = vmb.run("nslookup vma " + gateway, SHORT);
      assertTrue(found.contains("Address: " + addressA), found);
      assertTrue(vma.run("nslookup vmb.lan.hvx", SHORT).contains("Address: " + addressB), "A resolves B");
      vmb.run("ping -c 2 -W 5 vma", SHORT);

      long transfer = System.nanoTime();
      String sent = vma.run("dd if=/dev/urandom of=/run/www/blob bs=1M count=64 2>/dev/null; md5sum /run/www/blob",
          Duration.ofMinutes(6));
      vma.run("httpd -p 8080 -h /run/www", SHORT);
      long made = System.nanoTime();
      String received = vmb.run("wget -q -O - http://vma:8080/blob | md5sum", Duration.ofMinutes(10));
      assertEquals(md5(sent, "/run/www/blob"), md5(received, "-"), "the file arrived whole");
      System.out.printf("64 MiB made and summed in %d s, moved A -> B and summed in %d s%n",
          seconds(transfer) - seconds(made), seconds(made));

      must(n1, "net", "create", "lan2");
      must(n1, "net", "subnet", "lan2", subnet, "--dhcp", range);
      String c = create(n1, "vmc", "lan2", "256M");
      try (VmConsole vmc = console(http, n1, c, "vmc")) {
        vmc.awaitShell("vmc", BOOT_LIMIT);
        String addressC = lease(vmc);
        for (String peer : List.of(addressA, addressB)) {
          // arping asks the wire, even for an address C holds itself: no answer means no path
          VmConsole.Answer arp = vmc.ask("arping -c 2 -w 3 -I eth0 " + peer, SHORT);
          assertNotEquals(0, arp.exitCode(), "C in lan2 got an ARP answer for " + peer + ":\n" + arp.output());
        }
        if (!addressC.equals(addressA)) {
          assertNotEquals(0, vmc.ask("ping -c 2 -W 2 " + addressA, SHORT).exitCode(), "C reached A");
        }
        if (!addressC.equals(addressB)) {
          assertNotEquals(0, vmc.ask("ping -c 2 -W 2 " + addressB, SHORT).exitCode(), "C reached B");
        }
        String unknown = vmc.ask("nslookup vma " + gateway, SHORT).output();
        assertFalse(unknown.contains("Address: " + addressA), "lan2's DNS names lan's VM: " + unknown);
        vma.run("ping -c 2 -W 5 " + addressB, SHORT);
        vmb.run("ping -c 2 -W 5 " + addressA, SHORT);
      }
    }
  }

  /** The sum md5sum printed for {@code file}, wherever it is in the output. */
  private static String md5(String output, String file) {
    Matcher m = Pattern.compile("(?m)^([0-9a-f]{32})  " + Pattern.quote(file) + "$").matcher(output);
    assertTrue(m.find(), "no md5sum of " + file + " in:\n" + output);
    return m.group(1);
  }

  private static long seconds(long since) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
  }

  /** Starts a node of the test's cluster; both share one local image store. */
  private void startNode(String name, Path data, int clusterPort, int seedPort) throws Exception {
    List<String> command = VmProcessesTest.java();
    command.add("-Dhvx.storage.store.local.path=" + dir.resolve("store"));
    command.addAll(List.of(HvxCommand.class.getName(), "node", "start", "--name", name,
        "--data-dir", data.toString(), "--http-port", "" + TestNodes.freePort(), "--cluster-port", "" + clusterPort,
        "--seed", "127.0.0.1:" + seedPort));
    Path log = dir.resolve(name + ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    nodes.add(process);
    awaitTrue(name + " wrote its endpoint", Duration.ofSeconds(90),
        () -> Files.exists(data.resolve("endpoint")) || !process.isAlive());
    if (!process.isAlive()) {
      fail(name + " did not start:\n" + Files.readString(log));
    }
  }

  private static boolean seesPeer(Path node) {
    CliRun ports = CliRun.on(node, "net", "ports");
    try {
      return ports.exitCode() == 0 && Json.MAPPER.readTree(ports.out()).path("peers").size() == 1;
    } catch (IOException e) {
      return false;
    }
  }

  private static CliRun must(Path node, String... args) {
    CliRun run = CliRun.on(node, args);
    assertEquals(0, run.exitCode(), () -> String.join(" ", args) + ": " + run.err());
    return run;
  }

  /** Creates and starts a disk-kit VM on {@code node}; returns its id. */
  private static String create(Path node, String name, String network, String memory) throws IOException {
    CliRun created = must(node, "vm", "create", "--name", name, "--vcpus", "1", "--memory", memory, "--image",
        "disk-kit", "--net", network, "--start", "-o", "json");
    return Json.MAPPER.readTree(created.out()).path("id").asText();
  }

  private static VmConsole console(HttpClient http, Path node, String id, String name) throws IOException {
    return VmConsole.open(http, Files.readString(node.resolve("endpoint")).trim(),
        Files.readString(node.resolve("token")).trim(), id, name);
  }

  /** Waits for eth0's DHCP lease (udhcpc runs in the background from boot) and returns the address. */
  private static String lease(VmConsole vm) throws InterruptedException {
    // kernel messages on the console would land inside the commands' output
    String shown = vm.run("dmesg -n 1; for i in $(seq 90); do ip -4 addr show eth0 | grep -q inet && break;"
        + " sleep 1; done; mkdir -p /run/www; ip -4 addr show eth0", SHORT);
    Matcher m = LEASED.matcher(shown);
    assertTrue(m.find(), "no lease in the DHCP range on eth0:\n" + shown);
    int host = Integer.parseInt(m.group(2));
    assertTrue(host >= 100 && host <= 150, "outside the DHCP range: " + m.group(1));
    return m.group(1);
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void awaitTrue(String what, Duration limit, Check check) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > end) {
        fail("not within " + limit + ": " + what);
      }
      Thread.sleep(250);
    }
  }
}
