package io.hvx.cpu.bench;

import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.cpu.vm.VmOutcome;
import io.hvx.devices.guestkit.GuestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;

/**
 * A developer's probe: boots the cached guest kit on a {@link VirtualMachine}, echoes the console, and prints when
 * the first kernel line and the shell prompt appeared and how many instructions it took. Usage: VmBootProbe
 * [VCPUS] [SECONDS] [bzimage] (the last runs the guest's own decompressor).
 */
public final class VmBootProbe {
    private VmBootProbe() {
    }

    public static void main(String[] args) throws Exception {
        int vcpus = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 120;
        boolean decompress = !(args.length > 2 && args[2].equals("bzimage"));
        GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).build(false);
        VmConfig config = new VmConfig(vcpus, 256L << 20, Files.readAllBytes(kit.kernel()),
                Files.readAllBytes(kit.initrd()), "console=ttyS0 panic=-1", decompress);
        StringBuilder log = new StringBuilder();
        long[] marks = new long[4];
        VirtualMachine[] vm = new VirtualMachine[1];
        long t0 = System.nanoTime();
        vm[0] = new VirtualMachine(config, b -> {
            System.out.write(b);
            synchronized (log) {
                log.append((char) b);
                log.notifyAll();
            if (marks[0] == 0 && log.indexOf("Linux version") >= 0) {
                marks[0] = System.nanoTime() - t0;
                marks[1] = vm[0].retired();
            }
            if (marks[2] == 0 && log.indexOf(GuestKit.PROMPT) >= 0) {
                marks[2] = System.nanoTime() - t0;
                marks[3] = vm[0].retired();
            }
            }
        });
        // samples the vCPUs' RIPs; the 4 KiB code pages that hold most samples tell where boot time goes
        java.util.Map<Long, Integer> pages = new java.util.concurrent.ConcurrentHashMap<>();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                for (int i = 0; i < vm[0].vcpuCount(); i++) {
                    pages.merge(vm[0].rip(i) & -4096L, 1, Integer::sum);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (VirtualMachine machine = vm[0]) {
            machine.start();
            if (System.getProperty("kallsyms") != null) {
                synchronized (log) {
                    while (marks[2] == 0) {
                        log.wait(1000);
                    }
                }
                sampler.interrupt();
                StringBuilder grep = new StringBuilder("echo 0 > /proc/sys/kernel/kptr_restrict; grep");
                pages.entrySet().stream().filter(e -> e.getKey() != 0).sorted((a, b) -> b.getValue() - a.getValue()).limit(12).forEach(e -> {
                    System.out.printf("%n--- page 0x%x: %d samples", e.getKey(), e.getValue());
                    grep.append(" -e ^%x".formatted(e.getKey() >>> 12));
                });
                machine.type((grep + " /proc/kallsyms\n").getBytes(StandardCharsets.US_ASCII));
            }
            VmOutcome outcome = machine.await(Duration.ofSeconds(seconds));
            System.out.flush();
            System.out.printf("%n--- outcome %s after %.1f s, %d instructions%n", outcome,
                    (System.nanoTime() - t0) / 1e9, machine.retired());
            System.out.print(machine.describeVcpus());
            System.out.printf("--- first kernel line: %.2f s, %d instructions; prompt: %.2f s, %d instructions%n",
                    marks[0] / 1e9, marks[1], marks[2] / 1e9, marks[3]);
        }
        System.exit(0);
    }
}
