package io.hvx.cpu.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.guestkit.GuestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Boots Debian's kernel and the busybox initramfs of {@code hvx guest-kit} on two software vCPUs: the shell answers,
 * the kernel sees both processors, {@code poweroff -f} ends the VM, and the kernel log has no BUG, WARNING or oops.
 */
class VirtualMachineBootTest {
    private static final Duration BOOT_LIMIT = Duration.ofMinutes(8);
    private static final List<String> COMPLAINTS = List.of("BUG:", "WARNING:", "Oops", "Call Trace", "Kernel panic");

    @Test
    @Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES)
    void guestKitBootsOnTwoVcpusAnswersTheShellAndPowersOff() throws Exception {
        GuestKit.Kit kit = GuestKits.buildOrSkip();
        GuestConsole console = new GuestConsole();
        VmConfig config = new VmConfig(2, 256L << 20, Files.readAllBytes(kit.kernel()), Files.readAllBytes(kit.initrd()),
                "console=ttyS0 panic=-1", true);
        long start = System.nanoTime();
        try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
            vm.start();
            Matcher prompt = console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, BOOT_LIMIT);
            System.out.printf("prompt after %.1f s, %d instructions%n", (System.nanoTime() - start) / 1e9, vm.retired());

            int mark = prompt.end();
            vm.type("echo answer-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
            console.await(Pattern.compile("\nanswer-42\r?\n"), mark, Duration.ofMinutes(1));

            mark = console.text().length();
            vm.type("grep -c ^processor /proc/cpuinfo\n".getBytes(StandardCharsets.US_ASCII));
            Matcher count = console.await(Pattern.compile("\n(\\d+)\r?\n"), mark, Duration.ofMinutes(1));
            assertEquals("2", count.group(1), "processors in /proc/cpuinfo");

            vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            VmOutcome outcome = vm.await(Duration.ofMinutes(1));
            assertInstanceOf(VmOutcome.PowerOff.class, outcome, () -> "the VM did not power off: " + outcome
                    + "\n" + vm.describeVcpus() + console.tail());
        } finally {
            System.out.printf("VM ran %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
        String log = console.text();
        assertTrue(log.contains("smp: Brought up 1 node, 2 CPUs"), "the kernel brought up both vCPUs");
        for (String complaint : COMPLAINTS) {
            int at = log.indexOf(complaint);
            assertFalse(at >= 0, () -> "the kernel log has \"" + complaint + "\":\n"
                    + log.substring(Math.max(0, at - 500), Math.min(log.length(), at + 2500)));
        }
    }
}
