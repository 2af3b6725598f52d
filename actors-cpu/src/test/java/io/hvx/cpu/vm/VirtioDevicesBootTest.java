package io.hvx.cpu.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.machine.DeviceFactory;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.devices.virtio.console.VirtioConsole;
import io.hvx.devices.virtio.rng.VirtioRng;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.storage.raw.RawImage;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots the guest kit with two virtio-blk disks on raw files (one read-only), a virtio console and a virtio
 * entropy device; Debian's own drivers are the peer. Everything is checked from one boot through the UART shell.
 */
class VirtioDevicesBootTest {
    private static final Duration BOOT_LIMIT = Duration.ofMinutes(15);
    /**
     * The soft-lockup detector is off: on a heavily loaded host the interpreter runs the kernel's W+X page-table
     * walk for minutes of guest time, and the detector's "BUG: soft lockup" is about the host, not the devices.
     */
    private static final String COMMAND_LINE = "console=ttyS0 panic=-1 nosoftlockup";
    private static final long DISK_SIZE = 64L << 20;
    private static final long GUEST_WRITE_AT = 1L << 20;
    private static final long HOST_WRITE_AT = 4L << 20;
    private static final List<String> COMPLAINTS = List.of("BUG:", "WARNING:", "Oops", "Call Trace", "Kernel panic");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void guestDriversUseBlockConsoleAndEntropyDevices() throws Exception {
        GuestKit.Kit kit = GuestKits.buildOrSkip();
        Path rwFile = dir.resolve("rw.raw");
        Path roFile = dir.resolve("ro.raw");
        RawImage.create(rwFile, DISK_SIZE).close();
        RawImage.create(roFile, DISK_SIZE).close();
        byte[] hostData = "host-wrote-this!".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile f = new RandomAccessFile(rwFile.toFile(), "rw")) {
            f.seek(HOST_WRITE_AT);
            f.write(hostData);
        }
        VirtioCounters rwCounters = new VirtioCounters();
        VirtioCounters roCounters = new VirtioCounters();
        VirtioCounters rngCounters = new VirtioCounters();
        ByteArrayOutputStream hvc = new ByteArrayOutputStream();
        List<DeviceFactory> devices = List.of(
            m -> new VirtioBlk(open(rwFile, false), "hvx-rw", 2, m.ram(), rwCounters),
            m -> new VirtioBlk(open(roFile, true), "hvx-ro", 1, m.ram(), roCounters),
            m -> new VirtioConsole(m.ram(), b -> {
                synchronized (hvc) {
                    hvc.write(b);
                }
            }, new VirtioCounters()),
            m -> new VirtioRng(m.ram(), rngCounters));

        GuestConsole console = new GuestConsole();
        VmConfig config = new VmConfig(2, 256L << 20, Files.readAllBytes(kit.kernel()),
            Files.readAllBytes(kit.initrd()), COMMAND_LINE, true, devices);
        long start = System.nanoTime();
        try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
            vm.start();
            console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, BOOT_LIMIT);
            System.out.printf("prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
            GuestShell shell = new GuestShell(vm, console);

            String drivers = shell.run("for d in /sys/bus/virtio/devices/*; do echo $(cat $d/device) "
                + "$(basename $(readlink $d/driver)); done");
            assertEquals(List.of("0x0002 virtio_blk", "0x0002 virtio_blk", "0x0003 virtio_console", "0x0004 virtio_rng"),
                drivers.lines().map(String::strip).toList(), "virtio devices and their drivers");

            assertEquals("hvx-rw", shell.run("cat /sys/block/vda/serial").strip(), "vda's GET_ID");
            assertEquals("hvx-ro", shell.run("cat /sys/block/vdb/serial").strip(), "vdb's GET_ID");
            assertEquals(Long.toString(DISK_SIZE / 512), shell.run("cat /sys/block/vda/size").strip(), "capacity");
            assertEquals("1", shell.run("cat /sys/block/vdb/ro").strip(), "vdb is read-only");
            assertEquals("2", shell.run("ls /sys/block/vda/mq | wc -l").strip(), "vda's two request queues");

            assertEquals(new String(hostData, StandardCharsets.US_ASCII),
                shell.run("dd if=/dev/vda bs=512 skip=" + HOST_WRITE_AT / 512 + " count=1 2>/dev/null | head -c 16"),
                "host-written data read in the guest");

            String written = shell.run("yes hvx-guest-pattern | head -c 1048576 | dd of=/dev/vda bs=65536 seek="
                + GUEST_WRITE_AT / 65536 + " conv=fsync 2>&1; echo rc=$?; sync");
            assertTrue(written.contains("rc=0"), () -> "dd to vda: " + written);
            byte[] pattern = new byte[1 << 20];
            byte[] line = "hvx-guest-pattern\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = line[i % line.length];
            }
            byte[] onHost = new byte[pattern.length];
            try (RandomAccessFile f = new RandomAccessFile(rwFile.toFile(), "r")) {
                f.seek(GUEST_WRITE_AT);
                f.readFully(onHost);
            }
            assertArrayEquals(pattern, onHost, "the host file holds what the guest wrote");

            String refused = shell.run("dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>&1; echo rc=$?");
            assertFalse(refused.contains("rc=0"), () -> "a write to the read-only disk succeeded: " + refused);
            assertEquals(0, roCounters.get(VirtioCounter.BYTES_FROM_GUEST), "bytes written to the read-only disk");

            shell.run("echo hello-over-hvc0 > /dev/hvc0");
            long hvcDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!hvcText(hvc).contains("hello-over-hvc0") && System.nanoTime() < hvcDeadline) {
                Thread.sleep(50);
            }
            assertTrue(hvcText(hvc).contains("hello-over-hvc0"), () -> "hvc0 output at the host: " + hvcText(hvc));

            String rng = shell.run("dd if=/dev/hwrng of=/tmp/rng bs=64 count=1 2>&1; wc -c < /tmp/rng");
            assertTrue(rng.strip().endsWith("64"), () -> "bytes from /dev/hwrng: " + rng);
            assertTrue(rngCounters.get(VirtioCounter.BYTES_TO_GUEST) >= 64, "entropy bytes the device gave");

            System.out.println("vda counters: " + rwCounters.snapshot());
            assertTrue(rwCounters.get(VirtioCounter.BYTES_FROM_GUEST) >= pattern.length, "bytes written to vda");
            assertEquals(0, rwCounters.get(VirtioCounter.QUEUE_MALFORMED_CHAINS), "malformed chains from Linux");

            vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            VmOutcome outcome = vm.await(Duration.ofMinutes(1));
            assertInstanceOf(VmOutcome.PowerOff.class, outcome, () -> "the VM did not power off: " + outcome
                + "\n" + console.tail());
        } finally {
            System.out.printf("VM ran %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        String log = console.text();
        for (String complaint : COMPLAINTS) {
            int at = log.indexOf(complaint);
            assertFalse(at >= 0, () -> "the kernel log has \"" + complaint + "\":\n"
                + log.substring(Math.max(0, at - 500), Math.min(log.length(), at + 2500)));
        }
    }

    private static String hvcText(ByteArrayOutputStream hvc) {
        synchronized (hvc) {
            return hvc.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static RawImage open(Path file, boolean readOnly) {
        try {
            return RawImage.open(file, readOnly);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot open " + file, e);
        }
    }
}
