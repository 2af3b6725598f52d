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
                Files.readAllBytes(kit.initrd()), "console=ttyS0 nokaslr panic=-1", decompress);
        StringBuilder log = new StringBuilder();
        long[] marks = new long[4];
        VirtualMachine[] vm = new VirtualMachine[1];
        long t0 = System.nanoTime();
        vm[0] = new VirtualMachine(config, b -> {
            System.out.write(b);
            log.append((char) b);
            if (marks[0] == 0 && log.indexOf("Linux version") >= 0) {
                marks[0] = System.nanoTime() - t0;
                marks[1] = vm[0].retired();
            }
            if (marks[2] == 0 && log.indexOf(GuestKit.PROMPT) >= 0) {
                marks[2] = System.nanoTime() - t0;
                marks[3] = vm[0].retired();
            }
        });
        try (VirtualMachine machine = vm[0]) {
            machine.start();
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
