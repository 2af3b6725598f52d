package io.hvx.storage.bench;

import io.hvx.storage.cli.ImageCommand;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Converts one 1 GiB image (random data, written zeros, holes) with qemu-img and with hvx in the same run and prints
 * the time ratios. A program, not a test: run it by hand (see docs/benchmarks.md, storage section).
 */
public final class ConvertBenchmark {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    private ConvertBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hvx-bench");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Files.createDirectories(dir);
        Path raw = dir.resolve("src.raw");
        Path qcow2 = dir.resolve("src.qcow2");
        buildSource(raw);
        run("qemu-img", "convert", "-O", "qcow2", raw.toString(), qcow2.toString());
        // Warm the JIT on a small conversion so hvx is not timed while interpreting.
        Path small = dir.resolve("warm.raw");
        run("qemu-img", "create", "-f", "raw", small.toString(), "64M");
        run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 0 32M", small.toString());
        for (int i = 0; i < 3; i++) {
            hvx("convert", "-O", "qcow2", small.toString(), dir.resolve("w.qcow2").toString());
            hvx("convert", "-O", "raw", dir.resolve("w.qcow2").toString(), dir.resolve("w2.raw").toString());
            hvx("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", dir.resolve("w.qcow2").toString(),
                    dir.resolve("w.vmdk").toString());
            deleteAll(dir, "w.qcow2", "w2.raw", "w.vmdk");
        }
        System.out.printf("source: 1 GiB raw (300 MiB random, 400 MiB written zeros, 324 MiB holes); %s; %d cores%n",
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        System.out.printf("%-34s %10s %10s %8s %10s %10s %8s%n", "conversion", "qemu-img s", "hvx s", "hvx/qemu",
                "qemu cpu s", "hvx cpu s", "cpu h/q");
        List<String[]> cases = List.of(
                new String[] {"qcow2->raw", qcow2.toString(), "raw", ""},
                new String[] {"raw->qcow2", raw.toString(), "qcow2", ""},
                new String[] {"qcow2->vmdk(streamOptimized)", qcow2.toString(), "vmdk", "subformat=streamOptimized"});
        for (String[] c : cases) {
            double bestQemu = Double.MAX_VALUE;
            double bestHvx = Double.MAX_VALUE;
            double cpuQemu = Double.MAX_VALUE;
            double cpuHvx = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                Path outQ = dir.resolve("out-qemu." + c[2]);
                Path outH = dir.resolve("out-hvx." + c[2]);
                double c0 = childCpuSeconds();
                bestQemu = Math.min(bestQemu, time(() -> run(withOpts("qemu-img", c, outQ))));
                cpuQemu = Math.min(cpuQemu, childCpuSeconds() - c0);
                double h0 = ownCpuSeconds();
                bestHvx = Math.min(bestHvx, time(() -> hvxOrFail(withOpts(null, c, outH))));
                cpuHvx = Math.min(cpuHvx, ownCpuSeconds() - h0);
                if (r == rounds - 1) {
                    run("qemu-img", "compare", c[1], outH.toString());
                }
                Files.deleteIfExists(outQ);
                Files.deleteIfExists(outH);
            }
            System.out.printf("%-34s %10.3f %10.3f %8.2f %10.3f %10.3f %8.2f%n", c[0], bestQemu, bestHvx,
                    bestHvx / bestQemu, cpuQemu, cpuHvx, cpuHvx / cpuQemu);
        }
        if (args.length == 0) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String[] withOpts(String tool, String[] c, Path out) {
        List<String> a = new java.util.ArrayList<>();
        if (tool != null) {
            a.add(tool);
        }
        a.addAll(List.of("convert", "-O", c[2]));
        if (!c[3].isEmpty()) {
            a.add("-o");
            a.add(c[3]);
        }
        a.add(c[1]);
        a.add(out.toString());
        return a.toArray(String[]::new);
    }

    /** 300 MiB random in 1 MiB runs spread over the disk, 400 MiB of explicitly written zeros, the rest holes. */
    private static void buildSource(Path raw) throws IOException {
        Files.deleteIfExists(raw);
        Random rnd = new Random(7);
        ByteBuffer data = ByteBuffer.allocate((int) MIB);
        ByteBuffer zeros = ByteBuffer.allocate((int) MIB);
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), GIB - 1);
            for (long m = 0; m < 1024; m++) {
                int kind = (int) (m % 10);
                // 3 of 10 MiB random, 4 of 10 zeros, 3 of 10 holes (the last 24 MiB are holes as well).
                if (m >= 1000) {
                    continue;
                }
                if (kind < 3) {
                    rnd.nextBytes(data.array());
                    data.clear();
                    while (data.hasRemaining()) {
                        ch.write(data, m * MIB + data.position());
                    }
                } else if (kind < 7) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, m * MIB + zeros.position());
                    }
                }
            }
        }
    }

    private interface Action {
        void run() throws Exception;
    }

    private static double time(Action a) throws Exception {
        long t0 = System.nanoTime();
        a.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * CPU seconds (user + system) of this process's reaped children, from /proc/self/stat in clock ticks of 10 ms:
     * on a machine shared with other work the wall clock measures the scheduler as much as the tool.
     */
    private static double childCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
    }

    /** CPU seconds of this JVM, all threads (the converter's workers, the JIT and the GC alike). */
    private static double ownCpuSeconds() {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        return os.getProcessCpuTime() / 1e9;
    }

    private static void hvxOrFail(String... args) {
        int rc = hvx(args);
        if (rc != 0) {
            throw new IllegalStateException("hvx image " + String.join(" ", args) + " exited " + rc);
        }
    }

    private static int hvx(String... args) {
        return ImageCommand.execute(args);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed");
        }
    }

    private static void deleteAll(Path dir, String... names) throws IOException {
        for (String n : names) {
            Files.deleteIfExists(dir.resolve(n));
        }
    }
}
