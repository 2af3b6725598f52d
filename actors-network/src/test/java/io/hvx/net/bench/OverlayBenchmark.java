package io.hvx.net.bench;

import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.metrics.Counter;
import io.hvx.net.tap.TapDevice;
import io.hvx.net.tap.TapPort;
import io.hvx.net.tap.UdpRelay;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import io.hvx.net.tunnel.EmbeddedAeron;
import io.hvx.net.tunnel.OverlaySettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

/**
 * Benchmark program (not a test): iperf3 TCP throughput and ping RTT between two network namespaces,
 * in one run, through (1) plain veth, (2) Linux VXLAN over veth (the in-kernel L2 overlay peer; this
 * kernel has no gretap) and (3) hSwitch: TAP vPorts on two switches joined by the encrypted Aeron
 * tunnel on loopback. Prints the figures and the ratios. Needs root, iproute2, iputils-ping, iperf3.
 *
 * <p>Besides the 50 pings 20 ms apart, 10 pings 200 ms apart ("sparse") show the latency of traffic that
 * comes after quiet spells, when frugal threads wait longest.
 *
 * <p>Arguments: [seconds per iperf3 run, default 5] [idle: frugal|yield|spin, default yield]
 * [offload|no-offload: TAP GSO/checksum offloads, default offload]. System properties
 * {@code hvx.bench.mtu} (Aeron MTU of the tunnel, default the node's: auto), {@code hvx.bench.window}
 * (receiver window and socket buffer, default the node's 1 MiB) and {@code hvx.bench.term} (term length,
 * default the node's 4 MiB) try other channel settings; {@code hvx.bench.sparse}
 * sets how many sparse pings (default 10), {@code hvx.bench.dense} how many dense ones (default 50);
 * {@code hvx.bench.relay=true} adds hSwitch's path without Aeron ({@link UdpRelay}), plain and encrypted;
 * {@code hvx.bench.pin=true} keeps node A's switch thread on CPU 0
 * and node B's on CPU 1, as if each node had a machine of its own, and {@code hvx.bench.pinApps=true} does
 * the same for iperf3's client (CPU 0) and server (CPU 1) on every path; {@code hvx.bench.streams=N} runs N
 * parallel TCP streams (their sum is the figure) and {@code hvx.bench.cc=NAME} another TCP congestion control
 * (iperf3's {@code -P} and {@code -C}); {@code hvx.bench.driver=shared} gives
 * both switches one threaded Aeron driver instead of each switch thread running its node's (as nodes do);
 * {@code hvx.bench.spins}, {@code hvx.bench.yields} and {@code hvx.bench.busy} (ns) give frugal switches
 * another backoff than the nodes'.
 */
public final class OverlayBenchmark {
  private static final Pattern RTT = Pattern.compile("= ([0-9.]+)/([0-9.]+)/([0-9.]+)/");

  private static final OverlaySettings SETTINGS = new OverlaySettings(OverlaySettings.defaults().streamId(),
      Integer.getInteger("hvx.bench.mtu", OverlaySettings.defaults().mtu()),
      Integer.getInteger("hvx.bench.term", OverlaySettings.defaults().termLength()),
      Integer.getInteger("hvx.bench.window", OverlaySettings.defaults().receiverWindow()));

  private static final int DENSE_PINGS = Integer.getInteger("hvx.bench.dense", 50);
  private static final int SPARSE_PINGS = Integer.getInteger("hvx.bench.sparse", 10);
  private static final boolean PIN = Boolean.getBoolean("hvx.bench.pin");
  private static final boolean PIN_APPS = Boolean.getBoolean("hvx.bench.pinApps");
  /**
   * Seconds of each iperf3 run left out of its figure: hSwitch's data path is JIT-compiled during the
   * first seconds of traffic (0.5 Gbit/s in the first, 3.5 in the fifth on 2026-11-24), and a node runs
   * for far longer than that.
   */
  private static final int OMIT_SECONDS = Integer.getInteger("hvx.bench.omit", 3);
  private static final boolean VERBOSE = Boolean.getBoolean("hvx.bench.verbose");
  private static final boolean HSWITCH_ONLY = Boolean.getBoolean("hvx.bench.hswitchOnly");
  private static final boolean RELAY = Boolean.getBoolean("hvx.bench.relay");

  private OverlayBenchmark() {}

  /** One measured path. */
  record Figures(String path, double gbits, double rttMinMs, double rttAvgMs, double sparseAvgMs) {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String idle = args.length > 1 ? args[1] : "yield";
    boolean offloads = !(args.length > 2 && "no-offload".equals(args[2]));
    String reason = Netns.unavailableReason("ip", "ping", "iperf3");
    if (reason != null) {
      System.err.println("cannot run the network benchmark: " + reason);
      System.exit(2);
    }
    System.out.printf("date %s, host %s, %d cpus, %s, iperf3 %d s, hSwitch idle=%s offloads=%s%n", Instant.now(),
        InetAddress.getLocalHost().getHostName(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name") + " " + Runtime.version(), seconds, idle, offloads);
    Figures hswitch;
    if (HSWITCH_ONLY) {
      // For A/B runs of hSwitch builds: the kernel paths do not change between them.
      hswitch = measureHSwitch(seconds, idle, offloads);
      System.out.printf(Locale.ROOT, "%-28s %8.3f Gbit/s   ping min %.3f avg %.3f ms, sparse ping avg %.3f ms%n",
          hswitch.path(), hswitch.gbits(), hswitch.rttMinMs(), hswitch.rttAvgMs(), hswitch.sparseAvgMs());
      return;
    }
    Figures veth = measureVeth(seconds);
    Figures vxlan = measureVxlan(seconds);
    hswitch = measureHSwitch(seconds, idle, offloads);
    for (Figures f : new Figures[] {veth, vxlan, hswitch}) {
      System.out.printf(Locale.ROOT, "%-28s %8.3f Gbit/s   ping min %.3f avg %.3f ms, sparse ping avg %.3f ms%n",
          f.path(), f.gbits(), f.rttMinMs(), f.rttAvgMs(), f.sparseAvgMs());
    }
    System.out.printf(Locale.ROOT, "hSwitch / VXLAN throughput ratio: %.4f%n", hswitch.gbits() / vxlan.gbits());
    if (RELAY) {
      // hSwitch's path without Aeron, plain and encrypted: what encryption and Aeron each cost.
      for (boolean encrypt : new boolean[] {false, true}) {
        Figures relay = measureRelay(seconds, encrypt);
        System.out.printf(Locale.ROOT,
            "%-28s %8.3f Gbit/s   ping min %.3f avg %.3f ms; / VXLAN %.4f, hSwitch / it %.4f%n", relay.path(),
            relay.gbits(), relay.rttMinMs(), relay.rttAvgMs(), relay.gbits() / vxlan.gbits(),
            hswitch.gbits() / relay.gbits());
      }
    }
    System.out.printf(Locale.ROOT, "RTT added by hSwitch over veth: min %.1f us, avg %.1f us (VXLAN adds %.1f, %.1f us)%n",
        (hswitch.rttMinMs() - veth.rttMinMs()) * 1000, (hswitch.rttAvgMs() - veth.rttAvgMs()) * 1000,
        (vxlan.rttMinMs() - veth.rttMinMs()) * 1000, (vxlan.rttAvgMs() - veth.rttAvgMs()) * 1000);
  }

  private static String tag() {
    return Integer.toHexString(new SecureRandom().nextInt(0x1000, 0xFFFF));
  }

  private static Figures measureVeth(int seconds) throws Exception {
    try (Netns netns = new Netns()) {
      String t = tag();
      String a = netns.add("hvxbva" + t);
      String b = netns.add("hvxbvb" + t);
      netns.must("ip", "link", "add", "hvxva" + t, "type", "veth", "peer", "name", "hvxvb" + t);
      netns.configure(a, "hvxva" + t, "10.232.1.1/24");
      netns.configure(b, "hvxvb" + t, "10.232.1.2/24");
      return measure(netns, "veth", a, b, "10.232.1.2", seconds);
    }
  }

  private static Figures measureVxlan(int seconds) throws Exception {
    try (Netns netns = new Netns()) {
      String t = tag();
      String a = netns.add("hvxbxa" + t);
      String b = netns.add("hvxbxb" + t);
      netns.must("ip", "link", "add", "hvxua" + t, "type", "veth", "peer", "name", "hvxub" + t);
      netns.configure(a, "hvxua" + t, "10.233.1.1/24");
      netns.configure(b, "hvxub" + t, "10.233.1.2/24");
      vxlan(netns, a, "hvxua" + t, "10.233.1.1", "10.233.1.2", "10.234.1.1/24");
      vxlan(netns, b, "hvxub" + t, "10.233.1.2", "10.233.1.1", "10.234.1.2/24");
      return measure(netns, "Linux VXLAN over veth", a, b, "10.234.1.2", seconds);
    }
  }

  private static void vxlan(Netns netns, String ns, String underlay, String local, String remote, String cidr) {
    netns.must("ip", "-n", ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "local", local, "remote", remote,
        "dstport", "4789", "dev", underlay);
    netns.must("ip", "-n", ns, "addr", "add", cidr, "dev", "vx0");
    netns.must("ip", "-n", ns, "link", "set", "vx0", "up");
  }

  private static Figures measureHSwitch(int seconds, String idleName, boolean offloads) throws Exception {
    boolean frugal = "frugal".equals(idleName);
    // One each: a frugal strategy waits on its own switch's descriptors.
    Supplier<IdleStrategy> idle = frugal ? HSwitch::frugalIdleStrategy
        : "spin".equals(idleName) ? BusySpinIdleStrategy::new : YieldingIdleStrategy::new;
    if (frugal && System.getProperty("hvx.bench.spins") != null) {
      // Another backoff than the nodes' (100 spins, 50 yields, 300 us busy), to see what spinning buys here.
      int spins = Integer.getInteger("hvx.bench.spins");
      int yields = Integer.getInteger("hvx.bench.yields", 0);
      long minWait = Long.getLong("hvx.bench.minWait", 1_000);
      long busy = Long.getLong("hvx.bench.busy", 0);
      idle = () -> new WaitingBackoffIdleStrategy(spins, yields, busy, minWait, 100_000,
          WaitingBackoffIdleStrategy.DEEP_AFTER_NANOS, WaitingBackoffIdleStrategy.DEEP_WAIT_NANOS);
    }
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    // invoked (as nodes run): each switch thread runs its own node's driver; shared: one driver thread for both.
    boolean invoked = "invoked".equals(System.getProperty("hvx.bench.driver", "invoked"));
    System.out.println("Aeron driver: " + (invoked ? "one per switch, run by the switch thread" : "one shared thread"));
    try (Netns netns = new Netns();
        EmbeddedAeron aeron = invoked ? EmbeddedAeron.launchInvoked()
            : frugal ? EmbeddedAeron.launch() : EmbeddedAeron.launch(new YieldingIdleStrategy());
        EmbeddedAeron aeronB = invoked ? EmbeddedAeron.launchInvoked() : null) {
      String t = tag();
      String a = netns.add("hvxbha" + t);
      String b = netns.add("hvxbhb" + t);
      HSwitch switchA = invoked
          ? HSwitch.start(1, aeron, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret), SETTINGS,
              Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE, idle.get())
          : HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
              SETTINGS, Duration.ofMinutes(5), idle.get());
      HSwitch switchB = invoked
          ? HSwitch.start(2, aeronB, "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret), SETTINGS,
              Duration.ofMinutes(5), L2Switch.DEFAULT_FLOOD_RATE, idle.get())
          : HSwitch.start(2, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret),
              SETTINGS, Duration.ofMinutes(5), idle.get());
      if (PIN) {
        // Like two one-core machines: each node's switch thread keeps to its own CPU.
        pin("hswitch-1", 0);
        pin("hswitch-2", 1);
      }
      TapPort tapA = new TapPort(TapDevice.open("hvxha" + t, offloads), switchA.counters());
      TapPort tapB = new TapPort(TapDevice.open("hvxhb" + t, offloads), switchB.counters());
      try {
        netns.configure(a, tapA.device().name(), "10.235.1.1/24");
        netns.configure(b, tapB.device().name(), "10.235.1.2/24");
        String gsoMax = System.getProperty("hvx.bench.gsoMax");
        if (gsoMax != null) {
          netns.must("ip", "-n", a, "link", "set", "dev", tapA.device().name(), "gso_max_size", gsoMax);
          netns.must("ip", "-n", b, "link", "set", "dev", tapB.device().name(), "gso_max_size", gsoMax);
        }
        switchA.attachTap(1, 1, tapA);
        switchB.attachTap(1, 1, tapB);
        switchA.addPeer(2, switchB.endpoint());
        switchB.addPeer(1, switchA.endpoint());
        Await.until("tunnels", Duration.ofSeconds(10), () -> switchA.isPeerConnected(2) && switchB.isPeerConnected(1));
        Figures figures = measure(netns, "hSwitch (TAP+AES-GCM+Aeron)", a, b, "10.235.1.2", seconds);
        System.out.println("hSwitch drops: A " + drops(switchA) + ", B " + drops(switchB));
        System.out.printf("hSwitch A: %d frames read from the TAP, %d of them GSO frames; %d sealed messages%n",
            switchA.counters().get(Counter.TAP_RX_FRAMES), switchA.counters().get(Counter.TAP_RX_OFFLOADED_FRAMES),
            switchA.counters().get(Counter.OVERLAY_TX_FRAMES));
        // By name, so that the program also runs against builds without these counters (A/B runs).
        Map<String, Long> sent = new HashMap<>();
        switchA.counters().snapshot().forEach((counter, value) -> sent.put(counter.name(), value));
        long datagrams = sent.getOrDefault("OVERLAY_BATCHED_DATAGRAMS", 0L);
        long batches = sent.getOrDefault("OVERLAY_SEND_BATCHES", 0L);
        System.out.printf(Locale.ROOT, "hSwitch A: %d datagrams sent in %d sendmmsg calls (%.1f each), %d segmented"
            + " messages%n", datagrams, batches, batches == 0 ? 0.0 : (double) datagrams / batches,
            sent.getOrDefault("OVERLAY_SEGMENTED_SENDS", 0L));
        return figures;
      } finally {
        switchA.close();
        switchB.close();
        tapA.close();
        tapB.close();
      }
    }
  }

  private static Figures measureRelay(int seconds, boolean encrypt) throws Exception {
    try (Netns netns = new Netns()) {
      String t = tag();
      String a = netns.add("hvxbra" + t);
      String b = netns.add("hvxbrb" + t);
      int portA = Await.freeUdpPort();
      int portB = Await.freeUdpPort();
      try (UdpRelay relayA = UdpRelay.start("hvxra" + t, portA, portB, encrypt);
          UdpRelay relayB = UdpRelay.start("hvxrb" + t, portB, portA, encrypt)) {
        netns.configure(a, relayA.tapName(), "10.236.1.1/24");
        netns.configure(b, relayB.tapName(), "10.236.1.2/24");
        // Each frame is one datagram: with its virtio-net header (and the seal) it must stay under 65507 bytes.
        netns.must("ip", "-n", a, "link", "set", "dev", relayA.tapName(), "gso_max_size", "65000");
        netns.must("ip", "-n", b, "link", "set", "dev", relayB.tapName(), "gso_max_size", "65000");
        return measure(netns, encrypt ? "relay, AES-GCM, no Aeron" : "relay, no AES-GCM, no Aeron", a, b,
            "10.236.1.2", seconds);
      }
    }
  }

  /** Pins the thread named {@code name} (as the kernel knows it) to {@code cpu}. */
  static void pin(String name, int cpu) throws Exception {
    for (java.io.File task : new java.io.File("/proc/self/task").listFiles()) {
      java.nio.file.Path comm = task.toPath().resolve("comm");
      if (java.nio.file.Files.readString(comm).trim().equals(name)) {
        Process taskset = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), task.getName())
            .redirectErrorStream(true).start();
        String output = new String(taskset.getInputStream().readAllBytes());
        if (taskset.waitFor() != 0) {
          throw new IllegalStateException("taskset failed: " + output);
        }
        return;
      }
    }
    throw new IllegalStateException("no thread " + name + " to pin");
  }

  private static String drops(HSwitch hswitch) {
    StringBuilder text = new StringBuilder();
    hswitch.counters().snapshot().forEach((counter, value) -> {
      String name = counter.name();
      boolean drop = name.contains("DROPS") || name.contains("FULL") || name.contains("BACK_PRESSURED")
          || name.contains("AUTH_FAILED") || name.contains("REPLAYED") || name.contains("MALFORMED")
          || name.contains("OVERSIZED") || name.contains("RUNT") || name.contains("REFUSED");
      if (drop && value > 0) {
        text.append(counter).append('=').append(value).append(' ');
      }
    });
    return text.isEmpty() ? "none" : text.toString().trim();
  }

  private static Figures measure(Netns netns, String path, String a, String b, String addressB, int seconds)
      throws Exception {
    Netns.Result warm = netns.run(20, "ip", "netns", "exec", a, "ping", "-c", "3", "-i", "0.2", "-W", "2", addressB);
    if (!warm.ok()) {
      throw new IllegalStateException(path + ": no connectivity: " + warm.output());
    }
    double gbits;
    Process server = PIN_APPS
        ? netns.start("ip", "netns", "exec", b, "iperf3", "-s", "-1", "-B", addressB, "-A", "1")
        : netns.start("ip", "netns", "exec", b, "iperf3", "-s", "-1", "-B", addressB);
    try {
      Thread.sleep(500);
      List<String> clientCommand = new ArrayList<>(List.of("ip", "netns", "exec", a, "iperf3", "-c", addressB,
          "-t", Integer.toString(seconds), "-O", Integer.toString(OMIT_SECONDS), "-f", "g"));
      if (PIN_APPS) {
        clientCommand.addAll(List.of("-A", "0"));
      }
      String streams = System.getProperty("hvx.bench.streams");
      if (streams != null) {
        clientCommand.addAll(List.of("-P", streams));
      }
      String congestion = System.getProperty("hvx.bench.cc");
      if (congestion != null) {
        clientCommand.addAll(List.of("-C", congestion));
      }
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long[] machineBefore = machineJiffies();
      long cpuBefore = os.getProcessCpuTime();
      long wallBefore = System.nanoTime();
      Netns.Result client = netns.run(seconds + 30L, clientCommand.toArray(String[]::new));
      // On a CPU-bound host the throughput ratio is an efficiency ratio; on a larger one it is not, so the
      // CPU each path took is printed too (iperf3's omitted seconds included).
      double jvm = (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
      long[] machineAfter = machineJiffies();
      double busy = (machineAfter[0] - machineBefore[0]) / (double) Math.max(1, machineAfter[1] - machineBefore[1]);
      System.out.printf(Locale.ROOT, "%s iperf3: machine busy %.0f %% of %d CPUs, this JVM %.0f %% of one core%n",
          path, busy * 100, Runtime.getRuntime().availableProcessors(), jvm * 100);
      if (VERBOSE) {
        System.out.println(client.output());
      }
      // With several streams the last receiver line is their sum.
      Matcher receiver = Pattern.compile("([0-9.]+) Gbits/sec\\s+receiver").matcher(client.output());
      String figure = null;
      while (receiver.find()) {
        figure = receiver.group(1);
      }
      if (figure == null) {
        throw new IllegalStateException(path + ": iperf3 gave no figure: " + client.output());
      }
      gbits = Double.parseDouble(figure);
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
    // Ping after iperf3, so that hSwitch's data path is JIT-compiled when its latency is measured.
    Rtt dense = ping(netns, path + " ping", a, addressB, DENSE_PINGS, "0.02");
    // Pings 200 ms apart: each finds frugal threads past their 50 ms quiet spell, in their deep waits.
    Rtt sparse = ping(netns, path + " sparse ping", a, addressB, SPARSE_PINGS, "0.2");
    return new Figures(path, gbits, dense.minMs(), dense.avgMs(), sparse.avgMs());
  }

  /** Busy and total jiffies of all CPUs so far (/proc/stat; idle and iowait are not busy). */
  private static long[] machineJiffies() throws IOException {
    String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < fields.length; i++) {
      total += Long.parseLong(fields[i]);
    }
    // Fields: cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is in user.
    long guest = fields.length > 10 ? Long.parseLong(fields[9]) + Long.parseLong(fields[10]) : 0;
    total -= guest;
    long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
    return new long[] {total - idle, total};
  }

  /** Round-trip times of one ping run, NaN when ping printed none. */
  private record Rtt(double minMs, double avgMs) {}

  /** Pings {@code address} {@code count} times {@code interval} seconds apart from namespace {@code ns}. */
  private static Rtt ping(Netns netns, String label, String ns, String address, int count, String interval)
      throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long wallBefore = System.nanoTime();
    Netns.Result ping = netns.run(60 + count / 4, "ip", "netns", "exec", ns, "ping", "-q", "-c",
        Integer.toString(count), "-i", interval, address);
    // This JVM runs hSwitch's two nodes: what their threads cost while the pings trickle through.
    double cpu = (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
    System.out.println(label + ": " + ping.output().lines().filter(l -> l.startsWith("rtt")).findFirst().orElse("?")
        + String.format(Locale.ROOT, " (this JVM: %.1f %% of one core)", cpu * 100));
    Matcher rtt = RTT.matcher(ping.output());
    return rtt.find() ? new Rtt(Double.parseDouble(rtt.group(1)), Double.parseDouble(rtt.group(2)))
        : new Rtt(Double.NaN, Double.NaN);
  }
}
