package io.hvx.runtime.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.CliRun;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.cli.HvxCommand;
import io.hvx.runtime.http.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real {@code hvx node start} processes on loopback with hSwitch, driven through {@code hvx net};
 * Linux namespaces created by the test are the hosts (busybox udhcpc and nslookup, ping, iperf3).
 */
class NetworkProcessesTest {
  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();
  private final String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String net = "10." + ThreadLocalRandom.current().nextInt(200, 250) + ".";

  @AfterEach
  void stop() {
    processes.forEach(Process::destroyForcibly);
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    namespaces.forEach(ns -> sh(10, "ip", "netns", "del", ns));
  }

  private Process startNode(String name, int httpPort, int clusterPort, int seedPort, String... properties)
      throws IOException {
    List<String> command = TestNodes.javaCommand("256m");
    command.add("-XX:TieredStopAtLevel=1");
    TestNodes.FAST_DOWNING.forEach((key, value) -> command.add("-D" + key + "=" + value));
    // Frugal idling by default (shared CI cores); -Dhvx.test.network.idle=yield measures the low-latency mode.
    command.add("-Dhvx.network.idle=" + System.getProperty("hvx.test.network.idle", "frugal"));
    for (String property : properties) {
      command.add("-D" + property);
    }
    command.addAll(List.of(HvxCommand.class.getName(), "node", "start", "--name", name,
        "--data-dir", dir.resolve(name).toString(), "--http-port", "" + httpPort, "--cluster-port", "" + clusterPort,
        "--seed", "127.0.0.1:" + seedPort));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start();
    processes.add(process);
    return process;
  }

  private CliRun hvx(String node, String... args) {
    return CliRun.on(dir.resolve(node), args);
  }

  private CliRun must(String node, String... args) {
    CliRun run = hvx(node, args);
    assertEquals(0, run.exitCode(), String.join(" ", args) + " on " + node + ": " + run.err());
    return run;
  }

  private record Shell(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private static Shell sh(long timeoutSeconds, String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Shell(-1, "timed out: " + String.join(" ", command));
      }
      return new Shell(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Shell(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Shell(-1, "interrupted");
    }
  }

  private Shell in(String namespace, long timeoutSeconds, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return sh(timeoutSeconds, full.toArray(String[]::new));
  }

  private String namespace(String name) {
    String ns = name + suffix;
    Shell added = sh(10, "ip", "netns", "add", ns);
    assertTrue(added.ok(), added.output());
    namespaces.add(ns);
    sh(10, "ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
    sh(10, "ip", "-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  private String dhcp(String namespace, String device, String hostname) throws IOException {
    Path script = dir.resolve("udhcpc-" + hostname + ".sh");
    Files.writeString(script, """
        #!/bin/sh
        case "$1" in
          bound|renew)
            ip addr flush dev "$interface"
            ip addr add "$ip/$mask" dev "$interface"
            [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
            echo "LEASED $ip"
            ;;
        esac
        """);
    script.toFile().setExecutable(true);
    Shell result = in(namespace, 30, "busybox", "udhcpc", "-f", "-q", "-n", "-t", "5", "-T", "1", "-i", device,
        "-s", script.toString(), "-x", "hostname:" + hostname);
    Matcher leased = Pattern.compile("LEASED (\\S+)").matcher(result.output());
    assertTrue(result.ok() && leased.find(), "udhcpc in " + namespace + ": " + result.output());
    return leased.group(1);
  }

  private static void eventually(String what, int seconds, Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("within " + seconds + " s: " + what);
      }
      Thread.sleep(200);
    }
  }

  private boolean seesPeer(String node) {
    CliRun ports = hvx(node, "net", "ports");
    try {
      return ports.exitCode() == 0 && Json.MAPPER.readTree(ports.out()).path("peers").size() == 1;
    } catch (IOException e) {
      return false;
    }
  }

  private String log(String node) {
    try {
      return Files.readString(dir.resolve(node + ".log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Test
  void namespaces_on_two_node_processes_get_dhcp_dns_routing_and_isolation_and_survive_a_restart() throws Exception {
    String reason = unavailable();
    Assumptions.assumeTrue(reason == null, () -> "skipping hSwitch node-process test: " + reason);
    // Killing n2 leaves a two-node cluster split one against one; keep-majority then keeps the side with the
    // lowest address, so n1 must have the lower cluster port or it downs itself (the documented tie-break).
    int portA = TestNodes.freePort();
    int portB = TestNodes.freePort();
    while (portB == portA) {
      portB = TestNodes.freePort();
    }
    int seed = Math.min(portA, portB);
    int cluster2 = Math.max(portA, portB);
    int http2 = TestNodes.freePort();
    startNode("n1", TestNodes.freePort(), seed, seed);
    startNode("n2", http2, cluster2, seed);
    eventually("both nodes have a tunnel to the other\n" + log("n1") + log("n2"), 90,
        () -> seesPeer("n1") && seesPeer("n2"));

    must("n1", "net", "create", "blue");
    must("n1", "net", "subnet", "blue", net + "1.0/24", "--dhcp", net + "1.100-" + net + "1.150");
    must("n1", "net", "subnet", "blue", net + "2.0/24");
    must("n1", "net", "record", "blue", "db", net + "2.10");
    must("n2", "net", "create", "green");
    must("n2", "net", "subnet", "green", net + "1.0/24", "--dhcp", net + "1.100-" + net + "1.150");

    CliRun overlap = hvx("n1", "net", "subnet", "blue", net + "1.128/25");
    assertEquals(1, overlap.exitCode());
    assertTrue(overlap.err().contains("overlaps subnet " + net + "1.0/24"), overlap.err());
    CliRun hostBits = hvx("n1", "net", "subnet", "blue", net + "3.7/24");
    assertTrue(hostBits.exitCode() == 1 && hostBits.err().contains("did you mean " + net + "3.0/24"), hostBits.err());
    CliRun noNetwork = hvx("n1", "net", "subnet", "nosuch", net + "9.0/24");
    assertTrue(noNetwork.exitCode() == 1 && noNetwork.err().contains("no network 'nosuch'"), noNetwork.err());

    eventually("n2 knows network blue", 20, () -> hvx("n2", "net", "show", "blue").exitCode() == 0);
    // On n2 only once blue has spread there: before, n2 rightly answers that it knows no network blue.
    CliRun badAddress = hvx("n2", "net", "subnet", "blue", "300.1.1.0/24");
    assertTrue(badAddress.exitCode() == 1 && badAddress.err().contains("0..255"), badAddress.err());
    eventually("n1 knows network green", 20, () -> hvx("n1", "net", "show", "green").exitCode() == 0);
    String nsA = namespace("hna");
    String nsB = namespace("hnb");
    String nsR = namespace("hnr");
    String nsG = namespace("hng");
    must("n1", "net", "attach", "blue", "--tap", "ta" + suffix, "--netns", nsA);
    must("n2", "net", "attach", "blue", "--tap", "tb" + suffix, "--netns", nsB);
    must("n2", "net", "attach", "blue", "--tap", "tr" + suffix, "--netns", nsR, "--address", net + "2.10/24",
        "--gateway", net + "2.1");
    must("n2", "net", "attach", "green", "--tap", "tg" + suffix, "--netns", nsG);
    CliRun missingNs = hvx("n1", "net", "attach", "blue", "--tap", "tx" + suffix, "--netns", "nonexistent" + suffix);
    assertTrue(missingNs.exitCode() == 1 && missingNs.err().contains("no network namespace"), missingNs.err());

    String addressA = dhcp(nsA, "ta" + suffix, "alpha");
    String addressB = dhcp(nsB, "tb" + suffix, "beta");
    assertFalse(addressA.equals(addressB));

    Shell ping = in(nsA, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", addressB);
    assertTrue(ping.ok(), "same subnet across nodes: " + ping.output());
    // beta's lease was granted by n2; n1's DNS learns it through the replicated lease map.
    eventually("n1's DNS resolves beta (leased on n2)", 15, () -> in(nsA, 10, "busybox", "nslookup", "beta",
        net + "1.1").output().contains(addressB));
    Shell record = in(nsB, 10, "busybox", "nslookup", "db.blue.hvx", net + "1.1");
    assertTrue(record.output().contains(net + "2.10"), record.output());

    in(nsA, 10, "ping", "-c", "2", "-i", "0.3", "-W", "1", net + "2.10");
    Shell routed = in(nsA, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", net + "2.10");
    assertTrue(routed.ok() && routed.output().contains("ttl=63"), "routed across nodes: " + routed.output());

    String addressG = dhcp(nsG, "tg" + suffix, "gamma");
    assertTrue(addressG.startsWith(net + "1."));
    if (!addressG.equals(addressA)) {
      assertFalse(in(nsG, 10, "ping", "-c", "2", "-i", "0.2", "-W", "1", addressA).ok(), "green reached blue");
    }
    assertFalse(in(nsG, 10, "busybox", "nslookup", "alpha", net + "1.1").output().contains(addressA + "\n"));

    Process server = new ProcessBuilder("ip", "netns", "exec", nsB, "iperf3", "-s", "-1", "-B", addressB)
        .redirectErrorStream(true).start();
    try {
      Thread.sleep(500);
      Shell iperf = in(nsA, 30, "iperf3", "-c", addressB, "-t", "2", "-f", "m");
      Matcher rate = Pattern.compile("([0-9.]+) Mbits/sec\\s+receiver").matcher(iperf.output());
      assertTrue(iperf.ok() && rate.find(), iperf.output());
      System.out.println("iperf3 through hSwitch between node processes: " + rate.group(1) + " Mbit/s");
      assertTrue(Double.parseDouble(rate.group(1)) > 10, iperf.output());
    } finally {
      server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }

    JsonNode counters = Json.MAPPER.readTree(must("n2", "net", "counters").out()).path("counters");
    assertTrue(counters.path("DHCP_ACKS").asLong() >= 2, counters.toString());
    assertEquals(0, counters.path("OVERLAY_AUTH_FAILED_FRAMES").asLong(), counters.toString());

    // Kill n2 and start it again: the tunnels and n2's attachments come back by themselves.
    Process n2 = processes.get(1);
    assertEquals(1, TestNodes.aeronDirectoriesOf(n2).size(), "n2's Aeron directory names its process");
    n2.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    processes.remove(n2);
    startNode("n2", http2, cluster2, seed);
    try {
      eventually("n2 is back with a tunnel to n1, and n1 to n2", 120,
          () -> seesPeer("n2") && seesPeer("n1") && hvx("n2", "net", "show", "blue").exitCode() == 0);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ": n2 sees its peer " + seesPeer("n2") + ", n1 sees its peer "
          + seesPeer("n1") + ", n2 shows blue: " + hvx("n2", "net", "show", "blue").err()
          + "\n--- n1 log\n" + log("n1") + "\n--- n2 log\n" + log("n2"));
    }
    assertEquals(List.of(), TestNodes.aeronDirectoriesOf(n2),
        "the restarted n2 removed the killed one's Aeron directory");
    eventually("n2 re-attached the routed namespace's TAP", 20,
        () -> in(nsR, 5, "ip", "addr", "show", "dev", "tr" + suffix).output().contains(net + "2.10/24"));
    eventually("routing to n2's namespace works again", 30,
        () -> in(nsA, 5, "ping", "-c", "1", "-W", "1", net + "2.10").ok());
  }

  @Test
  void dhcp_at_the_same_instant_on_two_nodes_never_grants_one_address_twice_and_unrenewed_leases_end_everywhere()
      throws Exception {
    String reason = unavailable();
    Assumptions.assumeTrue(reason == null, () -> "skipping hSwitch node-process DHCP race test: " + reason);
    int seed = TestNodes.freePort();
    startNode("r1", TestNodes.freePort(), seed, seed, "hvx.network.lease-time=4s");
    startNode("r2", TestNodes.freePort(), TestNodes.freePort(), seed, "hvx.network.lease-time=4s");
    try {
      eventually("both nodes have a tunnel to the other", 90, () -> seesPeer("r1") && seesPeer("r2"));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n--- r1 log\n" + log("r1") + "\n--- r2 log\n" + log("r2"));
    }
    // Two addresses; the two MACs below would be offered the same one by a node that allocates from the
    // whole range (both hash to the same start; the hash is DhcpServer's).
    must("r1", "net", "create", "race");
    must("r1", "net", "subnet", "race", net + "1.0/24", "--dhcp", net + "1.100-" + net + "1.101");
    eventually("r2 knows network race", 20, () -> hvx("r2", "net", "show", "race").exitCode() == 0);
    long[] macs = sameStartMacs(2);
    String nsA = namespace("hxa");
    String nsB = namespace("hxb");
    must("r1", "net", "attach", "race", "--tap", "xa" + suffix, "--netns", nsA);
    must("r2", "net", "attach", "race", "--tap", "xb" + suffix, "--netns", nsB);
    assertTrue(in(nsA, 10, "ip", "link", "set", "dev", "xa" + suffix, "address", mac(macs[0])).ok());
    assertTrue(in(nsB, 10, "ip", "link", "set", "dev", "xb" + suffix, "address", mac(macs[1])).ok());

    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var leaseA = pool.submit(() -> dhcp(nsA, "xa" + suffix, "racea"));
      var leaseB = pool.submit(() -> dhcp(nsB, "xb" + suffix, "raceb"));
      String addressA = leaseA.get(60, TimeUnit.SECONDS);
      String addressB = leaseB.get(60, TimeUnit.SECONDS);
      assertFalse(addressA.equals(addressB), "both nodes granted " + addressA);
    } finally {
      pool.shutdownNow();
    }
    // Each node's table lists both leases once they have replicated.
    eventually("r2 lists r1's lease", 20, () -> hvx("r2", "net", "show", "race").out().contains(mac(macs[0])));
    CliRun table = must("r1", "net", "show", "race");
    eventually("r1 lists r2's lease", 20, () -> hvx("r1", "net", "show", "race").out().contains(mac(macs[1])));
    assertTrue(table.out().contains("LEASED MAC"), table.out());

    // udhcpc -q does not renew: after the 4 s lease (and the 5 s grace) both nodes drop both leases.
    for (String node : List.of("r1", "r2")) {
      eventually(node + " dropped the ended leases", 40,
          () -> leaseCount(node, "race") == 0);
    }
  }

  private int leaseCount(String node, String network) {
    CliRun show = hvx(node, "net", "show", network, "-o", "json");
    try {
      return show.exitCode() == 0 ? Json.MAPPER.readTree(show.out()).path("leases").size() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Two locally administered MACs whose DHCP search starts at the same position of a range of {@code size}. */
  private static long[] sameStartMacs(int size) {
    long first = 0x02_00_5e_20_00_00L;
    for (long other = first + 1; ; other++) {
      if (start(first, size) == start(other, size)) {
        return new long[] {first, other};
      }
    }
  }

  private static int start(long mac, int size) {
    return (int) Long.remainderUnsigned((mac * 0x9E37_79B9_7F4A_7C15L) >>> 16, size);
  }

  private static String mac(long mac) {
    return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac >>> 40 & 0xFF, mac >>> 32 & 0xFF, mac >>> 24 & 0xFF,
        mac >>> 16 & 0xFF, mac >>> 8 & 0xFF, mac & 0xFF);
  }

  private static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "needs root for network namespaces and TAP devices";
    }
    for (String tool : List.of("ip", "ping", "busybox", "iperf3")) {
      if (sh(5, "sh", "-c", "command -v " + tool).exitCode() != 0) {
        return "needs '" + tool + "' on PATH";
      }
    }
    return null;
  }
}
