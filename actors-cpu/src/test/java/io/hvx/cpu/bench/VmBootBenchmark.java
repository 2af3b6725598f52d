package io.hvx.cpu.bench;

import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.cpu.vm.VmOutcome;
import io.hvx.devices.bench.QemuBootBenchmark;
import io.hvx.devices.guestkit.GuestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * Boots the guest kit under the peer ({@code qemu-system-x86_64 -accel tcg -M microvm}, through {@link
 * QemuBootBenchmark}) and under hvx in one run, and prints the time to the shell prompt for both and their ratio.
 * Run after building the kit with {@code hvx guest-kit}: VmBootBenchmark [VCPUS]
 */
public final class VmBootBenchmark {
    private VmBootBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int vcpus = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).existing();
        if (kit == null) {
            System.err.println("no guest kit in " + GuestKit.defaultCacheDir() + ": run `hvx guest-kit` first");
            System.exit(2);
        }
        System.out.printf("guest kit: %s (%s), %d vCPUs, 256 MiB%n", kit.kernel(), kit.kernelPackage(), vcpus);
        double[] qemu = QemuBootBenchmark.bootQemu(kit, vcpus);
        System.out.printf("qemu tcg microvm: shell prompt %.2f s%n", qemu[1]);
        double hvx = bootHvx(kit, vcpus);
        System.out.printf("hvx: shell prompt %.2f s%n", hvx);
        System.out.printf("ratio hvx/qemu: %.1f%n", hvx / qemu[1]);
        System.exit(0);
    }

    /** Seconds from creating the VM (kernel decompression included) to the prompt; -1 if it never came. */
    static double bootHvx(GuestKit.Kit kit, int vcpus) throws Exception {
        VmConfig config = new VmConfig(vcpus, 256L << 20, Files.readAllBytes(kit.kernel()),
                Files.readAllBytes(kit.initrd()), "console=ttyS0 panic=-1", true);
        StringBuilder seen = new StringBuilder();
        long[] promptAt = {0};
        Object lock = new Object();
        long start = System.nanoTime();
        try (VirtualMachine vm = new VirtualMachine(config, b -> {
            synchronized (lock) {
                seen.append((char) b);
                if (promptAt[0] == 0 && seen.indexOf(GuestKit.PROMPT) >= 0) {
                    promptAt[0] = System.nanoTime();
                    lock.notifyAll();
                }
            }
        })) {
            vm.start();
            synchronized (lock) {
                long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (promptAt[0] == 0 && System.nanoTime() < end) {
                    lock.wait(1000);
                }
            }
            if (promptAt[0] == 0) {
                return -1;
            }
            System.out.printf("hvx: %d instructions to the prompt%n", vm.retired());
            vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            VmOutcome outcome = vm.await(Duration.ofMinutes(1));
            System.out.println("hvx: " + outcome);
            return (promptAt[0] - start) / 1e9;
        }
    }
}
