package io.hvx.cpu.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.devices.machine.DeviceFactory;
import io.hvx.devices.virtio.VirtioCounter;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

// Kept out of the test sources until helper/virtio is merged: it needs VirtioBlk, DeviceFactory, VmConfig's device
// list, GuestConsole and GuestShell from that branch. After the merge, move it to src/test/java/io/hvx/cpu/vm.
/**
 * Boots the disk kit of {@code hvx guest-kit --disk} on the software CPU with its root file system on a virtio-blk
 * disk: the initramfs loads the modules, mounts /dev/vda and switches to it, the disk's init sets the host name from
 * the command line and gives its shell; a file the guest writes is in the image after {@code poweroff -f}, and
 * e2fsck finds the file system clean. Debian's virtio_blk and ext4 drivers are the peers.
 */
class DiskKitBootTest {
    private static final Duration BOOT_LIMIT = Duration.ofMinutes(15);
    private static final List<String> COMPLAINTS = List.of("BUG:", "WARNING:", "Oops", "Call Trace", "Kernel panic");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void diskKitBootsWithItsRootOnVirtioBlkAndKeepsWhatTheGuestWrote() throws Exception {
        GuestKit.DiskKit kit;
        try {
            kit = new GuestKit(GuestKit.defaultCacheDir(), System.out).buildDisk(false);
        } catch (GuestKitException e) {
            Assumptions.abort("the disk kit (Debian kernel, busybox-static, e2fsprogs) cannot be had here: " + e.getMessage());
            return;
        }
        Path disk = dir.resolve("root.img");
        Process copy = new ProcessBuilder("cp", "--sparse=always", kit.disk().toString(), disk.toString()).inheritIO().start();
        assertEquals(0, copy.waitFor(), "copying the disk image");
        VirtioCounters counters = new VirtioCounters();
        List<DeviceFactory> devices = List.of(m -> new VirtioBlk(open(disk), "hvx-root", 1, m.ram(), counters));
        GuestConsole console = new GuestConsole();
        VmConfig config = new VmConfig(1, 256L << 20, Files.readAllBytes(kit.kernel()), Files.readAllBytes(kit.initrd()),
            GuestKit.diskCmdline("disk-vm") + " hvx.rootwait=120", true, devices);
        long start = System.nanoTime();
        try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
            vm.start();
            console.await(Pattern.compile(Pattern.quote(GuestKit.DISK_BANNER + ": disk-vm, Linux ") + ".*root /dev/vda"),
                0, BOOT_LIMIT);
            console.await(Pattern.compile(Pattern.quote(GuestKit.DISK_PROMPT)), 0, Duration.ofMinutes(2));
            System.out.printf("disk prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
            GuestShell shell = new GuestShell(vm, console);
            assertEquals("disk-vm", shell.run("hostname").strip(), "the host name from hvx.hostname=");
            assertTrue(shell.run("grep ' / ' /proc/mounts").contains("/dev/vda / ext4 rw"), "root is vda, ext4, rw");
            // short: GuestShell finds the output after the echoed command, which a long line wraps
            assertTrue(shell.run("echo written-by-the-guest >/root/kept;echo rc=$?").contains("rc=0"), "the write");
            vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            VmOutcome outcome = vm.await(Duration.ofMinutes(1));
            assertInstanceOf(VmOutcome.PowerOff.class, outcome, () -> "the VM did not power off: " + outcome
                + "\n" + console.tail());
            System.out.println("vda counters: " + counters.snapshot());
            assertEquals(0, counters.get(VirtioCounter.QUEUE_MALFORMED_CHAINS), "malformed chains from Linux");
        } finally {
            System.out.printf("VM ran %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        assertEquals("written-by-the-guest\n", host(dir, "debugfs", "-R", "cat /root/kept", disk.toString()),
            "the file in the image after power-off");
        host(dir, "e2fsck", "-fn", disk.toString());
        String log = console.text();
        for (String complaint : COMPLAINTS) {
            int at = log.indexOf(complaint);
            assertFalse(at >= 0, () -> "the kernel log has \"" + complaint + "\":\n"
                + log.substring(Math.max(0, at - 500), Math.min(log.length(), at + 2500)));
        }
    }

    /** Runs an e2fsprogs tool (in /usr/sbin, often off an ordinary user's PATH) that must succeed; returns its stdout. */
    private static String host(Path dir, String tool, String... args) throws Exception {
        Path program = Files.isExecutable(Path.of("/usr/sbin", tool)) ? Path.of("/usr/sbin", tool) : Path.of("/sbin", tool);
        List<String> command = new java.util.ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), tool + " did not finish");
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed: " + out);
        return out;
    }

    private static RawImage open(Path file) {
        try {
            return RawImage.open(file, false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open " + file, e);
        }
    }
}
