package io.hvx.cpu.bench;

import io.hvx.cpu.linux.ElfImage;
import io.hvx.cpu.linux.LinuxProcess;
import io.hvx.cpu.linux.Stdio;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Runs {@code busybox sha256sum} of a random file natively, under qemu-x86_64 and under hvx's interpreter in
 * one run and prints times, ratios and hvx's instruction rate. Not a test: run it by hand (see docs/benchmarks-cpu.md).
 */
public final class BusyboxBenchmark {
    private BusyboxBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        Path busybox = Path.of("/bin/busybox");
        Path qemu = Path.of("/usr/bin/qemu-x86_64");
        if (!Files.isRegularFile(busybox) || !Files.isRegularFile(qemu)) {
            System.err.println("needs /bin/busybox (busybox-static) and /usr/bin/qemu-x86_64 (qemu-user)");
            System.exit(2);
        }
        Path file = Files.createTempFile("hvx-bench", ".bin");
        try {
            byte[] data = new byte[mib << 20];
            new Random(1).nextBytes(data);
            Files.write(file, data);
            String f = file.toString();
            double childCpu0 = childCpuSeconds();
            double nativeS = external(busybox.toString(), "sha256sum", f);
            double childCpu1 = childCpuSeconds();
            double qemuS = external(qemu.toString(), busybox.toString(), "sha256sum", f);
            double qemuCpu = childCpuSeconds() - childCpu1;
            double nativeCpu = childCpu1 - childCpu0;
            byte[] image = Files.readAllBytes(busybox);
            double[] hvx = new double[2];
            double[] hvxCpu = new double[2];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long instructions = 0;
            String digest = "";
            for (int round = 0; round < 2; round++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                long t0 = System.nanoTime();
                long c0 = threads.getCurrentThreadCpuTime();
                try (LinuxProcess p = new LinuxProcess(ElfImage.parse(image), List.of("busybox", "sha256sum", f),
                        List.of(), new Stdio(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream()),
                        new PrintStream(new ByteArrayOutputStream()))) {
                    p.run();
                    instructions = p.instructions();
                }
                hvx[round] = (System.nanoTime() - t0) / 1e9;
                hvxCpu[round] = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
                digest = out.toString().split(" ")[0];
            }
            System.out.printf("workload: busybox sha256sum of %d MiB (digest %s...)%n", mib, digest.substring(0, 16));
            System.out.printf("native          %8.3f s%n", nativeS);
            System.out.printf("qemu-x86_64     %8.3f s  (%.1fx native)%n", qemuS, qemuS / nativeS);
            System.out.printf("hvx interpreter %8.3f s  (first run %.3f s)  %.1fx native, %.1fx qemu-x86_64%n",
                    hvx[1], hvx[0], hvx[1] / nativeS, hvx[1] / qemuS);
            System.out.printf("hvx: %d guest instructions, %.1f MIPS%n", instructions, instructions / hvx[1] / 1e6);
            // on a loaded machine the thread's CPU time is steadier than the wall clock
            System.out.printf("CPU time: native %.2f s, qemu-x86_64 %.2f s, hvx %.3f s (%.1f MIPS per CPU second);"
                    + " hvx / qemu-x86_64 %.1fx%n", nativeCpu, qemuCpu, hvxCpu[1], instructions / hvxCpu[1] / 1e6,
                    hvxCpu[1] / qemuCpu);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** User plus system time of the children this JVM has waited for (Linux /proc, 10 ms ticks). */
    private static double childCpuSeconds() throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after the command name: field 3 is index 0, so cutime (16) and cstime (17) are 13 and 14
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
    }

    private static double external(String... cmd) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
