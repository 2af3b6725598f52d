package io.hvx.devices.bench;

import io.hvx.devices.guestkit.GuestKit;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Boots the guest kit under the peer, {@code qemu-system-x86_64 -accel tcg -M microvm}, and prints the
 * time to the kit's banner and to the first shell prompt, then powers the guest off. actors-cpu's
 * {@code VmBootBenchmark} runs it beside hvx's own boot. Run (after building the kit with {@code hvx guest-kit}):
 * <pre>
 * java -cp actors-devices/target/classes:actors-devices/target/test-classes io.hvx.devices.bench.QemuBootBenchmark [runs] [vcpus]
 * </pre>
 */
public final class QemuBootBenchmark {

    /**
     * The machine has no PIT/HPET/PM timer reference that survives a loaded host, so the kernel is told
     * its TSC rate; without it Linux may stall after "tsc: Unable to calibrate against PIT".
     */
    static final String APPEND = "console=ttyS0 panic=-1 tsc_early_khz=2000000";

    private QemuBootBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int vcpus = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).existing();
        if (kit == null) {
            System.err.println("no guest kit in " + GuestKit.defaultCacheDir() + ": run `hvx guest-kit` first");
            System.exit(2);
        }
        System.out.printf("guest kit: %s (%s), %d vCPUs, 256 MiB%n", kit.kernel(), kit.kernelPackage(), vcpus);
        for (int run = 1; run <= runs; run++) {
            double[] t = bootQemu(kit, vcpus);
            System.out.printf("run %d: qemu tcg microvm: banner %.2f s, shell prompt %.2f s, powered off %.2f s%n",
                run, t[0], t[1], t[2]);
        }
    }

    /** Returns seconds to the banner, to the prompt and to the process exit after {@code poweroff -f}. */
    public static double[] bootQemu(GuestKit.Kit kit, int vcpus) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-M",
            "microvm,isa-serial=on,rtc=on", "-cpu", "max", "-m", "256", "-smp", Integer.toString(vcpus),
            "-nographic", "-no-reboot", "-kernel", kit.kernel().toString(), "-initrd", kit.initrd().toString(),
            "-append", APPEND));
        long start = System.nanoTime();
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true).start();
        double[] times = {-1, -1, -1};
        try (InputStream out = qemu.getInputStream(); OutputStream in = qemu.getOutputStream()) {
            StringBuilder seen = new StringBuilder();
            int b;
            while ((b = out.read()) >= 0) {
                seen.append((char) b);
                if (times[0] < 0 && seen.indexOf(GuestKit.BANNER) >= 0) {
                    times[0] = (System.nanoTime() - start) / 1e9;
                }
                if (times[0] >= 0 && seen.indexOf(GuestKit.PROMPT) >= 0) {
                    times[1] = (System.nanoTime() - start) / 1e9;
                    in.write("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    break;
                }
                if (seen.length() > 1 << 20) {
                    seen.delete(0, seen.length() - 4096);
                }
            }
            out.transferTo(OutputStream.nullOutputStream());
        }
        if (!qemu.waitFor(120, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
        }
        times[2] = (System.nanoTime() - start) / 1e9;
        return times;
    }
}
