package io.hvx.cpu.bench;

import io.hvx.cpu.vm.GuestConsole;
import io.hvx.cpu.vm.GuestShell;
import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.net.VirtioNet;
import io.hvx.net.HSwitch;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.tap.TapDevice;
import io.hvx.net.tap.TapPort;
import io.hvx.net.testing.Await;
import io.hvx.net.testing.Netns;
import io.hvx.net.tunnel.EmbeddedAeron;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * VM-to-VM TCP throughput over the overlay: two hvx VMs (the guest kit, 1 vCPU each, virtio-net), each on its own
 * hSwitch, the two switches joined by the encrypted tunnel on loopback; VM A sends N MiB to VM B with busybox
 * {@code dd | nc}. In the same run, two network namespaces on TAP ports of the same two switches move the same bytes
 * with the host's busybox nc (the peer: the same overlay without the guests). Needs root, iproute2 and busybox.
 * Run after building the kit with {@code hvx guest-kit}: VmOverlayBenchmark [MIB]
 */
public final class VmOverlayBenchmark {
    private static final int NETWORK = 7201;
    private static final String SUBNET = "10.236.1.";

    private VmOverlayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        long bytes = (long) mib << 20;
        String reason = Netns.unavailableReason("ip", "ping", "busybox");
        if (reason != null) {
            System.err.println("cannot run the VM overlay benchmark: " + reason);
            System.exit(2);
        }
        GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).existing();
        if (kit == null) {
            System.err.println("no guest kit in " + GuestKit.defaultCacheDir() + ": run `hvx guest-kit` first");
            System.exit(2);
        }
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String tag = HexFormat.of().toHexDigits((short) new SecureRandom().nextInt());
        double vmSeconds;
        double nsSeconds;
        try (Netns netns = new Netns(); EmbeddedAeron aeron = EmbeddedAeron.launch()) {
            HSwitch switchA = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret));
            HSwitch switchB = HSwitch.start(2, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(), new PeerKeys(secret));
            TapPort tapA = new TapPort(TapDevice.open("hvxoa" + tag, true), switchA.counters());
            TapPort tapB = new TapPort(TapDevice.open("hvxob" + tag, true), switchB.counters());
            try {
                switchA.addPeer(2, switchB.endpoint());
                switchB.addPeer(1, switchA.endpoint());
                Await.until("tunnels", Duration.ofSeconds(10), () -> switchA.isPeerConnected(2) && switchB.isPeerConnected(1));
                vmSeconds = vms(kit, switchA, switchB, mib, bytes);
                String nsA = netns.add("hvxOa" + tag);
                String nsB = netns.add("hvxOb" + tag);
                netns.configure(nsA, tapA.device().name(), SUBNET + "11/24");
                netns.configure(nsB, tapB.device().name(), SUBNET + "12/24");
                switchA.attachTap(2, NETWORK, tapA);
                switchB.attachTap(2, NETWORK, tapB);
                nsSeconds = namespaces(netns, nsA, nsB, mib, bytes);
                System.out.println("hSwitch A counters: " + switchA.counters().snapshot());
            } finally {
                switchA.close();
                switchB.close();
                tapA.close();
                tapB.close();
            }
        }
        System.out.printf("%-46s %10s%n", mib + " MiB, dd bs=64k | busybox nc", "MB/s");
        System.out.printf("%-46s %10.2f%n", "netns A -> netns B, hSwitch A -> tunnel -> B", bytes / 1e6 / nsSeconds);
        System.out.printf("%-46s %10.2f%n", "hvx VM A -> hvx VM B, same switches", bytes / 1e6 / vmSeconds);
        System.out.printf("ratio VM time / netns time: %.1f%n", vmSeconds / nsSeconds);
        System.exit(0);
    }

    /** Boots both VMs, sends from A to B, checks the count B received; returns the sender's seconds. */
    private static double vms(GuestKit.Kit kit, HSwitch switchA, HSwitch switchB, int mib, long bytes) throws Exception {
        byte[] kernel = Files.readAllBytes(kit.kernel());
        byte[] initrd = Files.readAllBytes(kit.initrd());
        GuestConsole consoleA = new GuestConsole();
        GuestConsole consoleB = new GuestConsole();
        AtomicReference<VirtioNet> nicA = new AtomicReference<>();
        AtomicReference<VirtioNet> nicB = new AtomicReference<>();
        VirtioCounters counters = new VirtioCounters();
        try (VirtualMachine a = new VirtualMachine(config(kernel, initrd, "02:68:76:78:20:01", nicA, counters),
                consoleA::write);
            VirtualMachine b = new VirtualMachine(config(kernel, initrd, "02:68:76:78:20:02", nicB, counters),
                consoleB::write)) {
            nicA.get().connect(switchA.attachLocal(1, NETWORK, nicA.get()));
            nicB.get().connect(switchB.attachLocal(1, NETWORK, nicB.get()));
            long start = System.nanoTime();
            a.start();
            b.start();
            consoleA.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(20));
            consoleB.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(20));
            System.out.printf("both VMs at the shell prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
            GuestShell shellA = new GuestShell(a, consoleA);
            GuestShell shellB = new GuestShell(b, consoleB);
            shellA.run("ip link set eth0 up && ip addr add " + SUBNET + "1/24 dev eth0");
            shellB.run("ip link set eth0 up && ip addr add " + SUBNET + "2/24 dev eth0");
            String ping = shellA.run("ping -c 3 -W 5 " + SUBNET + "2", Duration.ofMinutes(2));
            if (!ping.contains("3 packets received")) {
                throw new IllegalStateException("VM A cannot reach VM B through the switches: " + ping);
            }
            // busybox nc quits at EOF on its stdin, so the listener's stdin is a pipe that stays open; "& true" because
            // GuestShell appends "; echo MARKER" and "&;" is a syntax error
            shellB.run("(sleep 100000 | nc -l -p 5001 | wc -c > /tmp/got) & true");
            Thread.sleep(2000);
            double seconds = VirtioBlkBenchmark.timed(shellA, "VM A",
                "dd if=/dev/zero bs=64k count=" + mib * 16 + " | nc " + SUBNET + "2 5001");
            String got = "";
            for (int i = 0; i < 120 && got.isEmpty(); i++) {
                got = shellB.run("cat /tmp/got 2>/dev/null").strip();
            }
            if (!got.equals(Long.toString(bytes))) {
                throw new IllegalStateException("VM B received " + got + " bytes, not " + bytes);
            }
            System.out.println("virtio-net counters (both VMs): " + counters.snapshot());
            a.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            b.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            a.await(Duration.ofMinutes(1));
            b.await(Duration.ofMinutes(1));
            return seconds;
        }
    }

    private static VmConfig config(byte[] kernel, byte[] initrd, String mac, AtomicReference<VirtioNet> nic,
            VirtioCounters counters) {
        return new VmConfig(1, 256L << 20, kernel, initrd, "console=ttyS0 panic=-1", true, List.of(m -> {
            VirtioNet net = new VirtioNet(MacAddress.parse(mac), true, m.ram(), counters);
            nic.set(net);
            return net;
        }));
    }

    /** The same transfer between the namespaces with the host's busybox; returns the sender's seconds. */
    private static double namespaces(Netns netns, String nsA, String nsB, int mib, long bytes) throws Exception {
        Netns.Result ping = netns.exec(nsA, 30, "ping", "-c", "3", "-W", "5", SUBNET + "12");
        if (!ping.ok()) {
            throw new IllegalStateException("netns A cannot reach netns B through the switches: " + ping.output());
        }
        Process server = netns.start("ip", "netns", "exec", nsB, "sh", "-c",
            "sleep 300 | busybox nc -l -p 5002 | wc -c"); // the sleep outlives the kill of ip netns exec: bound it
        try {
            Thread.sleep(1000);
            long start = System.nanoTime();
            Netns.Result sent = netns.exec(nsA, 300, "sh", "-c",
                "dd if=/dev/zero bs=64k count=" + mib * 16 + " 2>/dev/null | busybox nc " + SUBNET + "12 5002");
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!sent.ok()) {
                throw new IllegalStateException("netns A's nc failed: " + sent.output());
            }
            // one line from wc; the shell itself stays until the listener's sleep ends
            String got = new java.io.BufferedReader(new java.io.InputStreamReader(server.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
            got = got == null ? "nothing" : got.strip();
            if (!got.equals(Long.toString(bytes))) {
                throw new IllegalStateException("netns B received " + got + " bytes, not " + bytes);
            }
            System.out.printf("netns A -> B: %d bytes in %.3f s%n", bytes, seconds);
            return seconds;
        } finally {
            server.destroyForcibly();
        }
    }
}
