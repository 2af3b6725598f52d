package io.hvx.cpu.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.virtio.VirtioCounter;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the guest kit with a virtio-net NIC on a local port of an hSwitch whose other port is a TAP device in
 * a network namespace the test creates: the guest's eth0 has the configured MAC, and the guest and the
 * namespace ping each other through the switch, and move 2 MiB over TCP each way with segmentation offload. Linux's virtio_net driver and its stack in the namespace are
 * the peers.
 */
class VirtioNetBootTest {
    private static final int NETWORK = 7101;
    private static final String MAC = "02:68:76:78:10:02"; // not 02:68:76:78:00:01, the router's
    private static final int TRANSFER = 2 << 20;

    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void guestAndNamespacePingEachOtherThroughTheSwitch(@TempDir Path www) throws Exception {
        String reason = Netns.unavailableReason("ip", "ping");
        Assumptions.assumeTrue(reason == null, () -> "skipping the virtio-net VM test: " + reason);
        GuestKit.Kit kit = GuestKits.buildOrSkip();
        String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
        String subnet = "10.232." + ThreadLocalRandom.current().nextInt(1, 250);
        VirtioCounters counters = new VirtioCounters();
        AtomicReference<VirtioNet> nic = new AtomicReference<>();
        try (Netns netns = new Netns(); EmbeddedAeron aeron = EmbeddedAeron.launch()) {
            String namespace = netns.add("hvxV" + suffix);
            HSwitch hswitch = HSwitch.start(1, aeron.aeron(), "127.0.0.1:" + Await.freeUdpPort(),
                new PeerKeys(new byte[32]));
            TapPort tap = new TapPort(TapDevice.open("hvxv" + suffix, true), hswitch.counters());
            try {
                netns.configure(namespace, tap.device().name(), subnet + ".1/24");
                hswitch.attachTap(2, NETWORK, tap);
                VmConfig config = new VmConfig(1, 256L << 20, Files.readAllBytes(kit.kernel()),
                    Files.readAllBytes(kit.initrd()), "console=ttyS0 panic=-1", true, List.of(m -> {
                        VirtioNet net = new VirtioNet(MacAddress.parse(MAC), true, m.ram(), counters);
                        nic.set(net);
                        return net;
                    }));
                GuestConsole console = new GuestConsole();
                try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
                    nic.get().connect(hswitch.attachLocal(1, NETWORK, nic.get()));
                    vm.start();
                    console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(15));
                    GuestShell shell = new GuestShell(vm, console);
                    try {
                        exercise(shell, netns, namespace, subnet, counters, www);
                    } finally {
                        System.out.println("virtio-net counters: " + counters.snapshot());
                        System.out.println("hSwitch counters: " + hswitch.counters().snapshot());
                    }
                    vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
                    vm.await(Duration.ofMinutes(1));
                }
            } finally {
                hswitch.close();
                tap.close();
            }
        }
    }

    private static void exercise(GuestShell shell, Netns netns, String namespace, String subnet,
            VirtioCounters counters, Path www) throws Exception {
        assertEquals(MAC, shell.run("cat /sys/class/net/eth0/address").strip(), "eth0's MAC");
        shell.run("ip link set eth0 up && ip addr add " + subnet + ".2/24 dev eth0");
        String ping = shell.run("ping -c 3 -W 5 " + subnet + ".1", Duration.ofMinutes(2));
        assertTrue(ping.contains("3 packets received"), () -> "guest pinging the namespace: " + ping);

        Netns.Result back = netns.run(60, "ip", "netns", "exec", namespace, "ping", "-c", "3", "-W", "5",
            subnet + ".2");
        assertTrue(back.output().contains("3 received"), () -> "namespace pinging the guest: "
            + back.output());

        // TCP both ways: 64 KiB segmentation-offloaded frames cross the switch whole, in both directions
        Files.write(www.resolve("f"), new byte[TRANSFER]);
        Process server = netns.start("ip", "netns", "exec", namespace, "busybox", "httpd", "-f", "-p",
            "8080", "-h", www.toString());
        try {
            Thread.sleep(500);
            String fetched = shell.run("wget -q -O - http://" + subnet + ".1:8080/f | wc -c",
                Duration.ofMinutes(3));
            assertEquals(Integer.toString(TRANSFER), fetched.strip(), "bytes the guest fetched over TCP");
        } finally {
            server.destroy();
        }
        shell.run("mkdir -p /www && dd if=/dev/zero of=/www/f bs=" + TRANSFER + " count=1 2>/dev/null"
            + " && httpd -p 8080 -h /www");
        Netns.Result sent = netns.run(180, "ip", "netns", "exec", namespace, "sh", "-c",
            "busybox wget -q -O - http://" + subnet + ".2:8080/f | wc -c");
        assertEquals(Integer.toString(TRANSFER), sent.output().strip(), "bytes the guest served over TCP");

        assertEquals(0, counters.get(VirtioCounter.NET_TX_MALFORMED), "malformed frames from Linux");
    }
}
