package io.hvx.cpu.bench;

import io.hvx.cpu.vm.GuestConsole;
import io.hvx.cpu.vm.GuestShell;
import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Sequential throughput of a virtio-blk disk on a raw file: in-guest {@code dd} reading and writing the disk,
 * against the host reading and writing the same file (the peer), in one run. The guest's page cache is dropped
 * before its read; the host file is in the host's page cache for both sides.
 * Run after building the kit with {@code hvx guest-kit}: VirtioBlkBenchmark [MIB]
 */
public final class VirtioBlkBenchmark {
    private VirtioBlkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).existing();
        if (kit == null) {
            System.err.println("no guest kit in " + GuestKit.defaultCacheDir() + ": run `hvx guest-kit` first");
            System.exit(2);
        }
        Path file = Files.createTempFile("hvx-virtio-blk-bench", ".raw");
        try {
            long bytes = (long) mib << 20;
            double hostWrite = hostWrite(file, bytes);
            double hostRead = hostRead(file, bytes);
            System.out.printf("host: write+fsync %.1f MB/s, read %.1f MB/s (%d MiB)%n", rate(bytes, hostWrite),
                rate(bytes, hostRead), mib);
            GuestConsole console = new GuestConsole();
            VmConfig config = new VmConfig(2, 256L << 20, Files.readAllBytes(kit.kernel()),
                Files.readAllBytes(kit.initrd()), "console=ttyS0 panic=-1", true,
                List.of(m -> new VirtioBlk(open(file), "bench", 1, m.ram(), new VirtioCounters())));
            try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
                vm.start();
                console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(20));
                GuestShell shell = new GuestShell(vm, console);
                double guestWrite = timed(shell, "dd if=/dev/zero of=/dev/vda bs=1M count=" + mib + " conv=fsync");
                shell.run("echo 3 > /proc/sys/vm/drop_caches");
                double guestRead = timed(shell, "dd if=/dev/vda of=/dev/null bs=1M count=" + mib);
                System.out.printf("guest dd: write+fsync %.1f MB/s, read %.1f MB/s%n", rate(bytes, guestWrite),
                    rate(bytes, guestRead));
                System.out.printf("ratio host/guest: write %.1f, read %.1f%n", guestWrite / hostWrite,
                    guestRead / hostRead);
                vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
                vm.await(Duration.ofMinutes(1));
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.exit(0);
    }

    /**
     * Seconds from typing {@code command} to its end marker, by the host's clock (the shell's echo of a short
     * line adds well under a second); dd's own summary is printed beside it.
     */
    private static double timed(GuestShell shell, String command) throws InterruptedException {
        long start = System.nanoTime();
        String out = shell.run(command + " 2>&1 | tail -n 1", Duration.ofMinutes(20));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("guest: %s -> %s (%.2f s)%n", command, out.strip(), seconds);
        return seconds;
    }

    private static double hostWrite(Path file, long bytes) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        byte[] random = new byte[1 << 20];
        ThreadLocalRandom.current().nextBytes(random);
        block.put(random);
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long at = 0; at < bytes; at += block.capacity()) {
                block.clear();
                ch.write(block, at);
            }
            ch.force(true);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double hostRead(Path file, long bytes) throws IOException {
        ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        long start = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at = 0; at < bytes; at += block.capacity()) {
                block.clear();
                ch.read(block, at);
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double rate(long bytes, double seconds) {
        return bytes / 1e6 / seconds;
    }

    private static RawImage open(Path file) {
        try {
            return RawImage.open(file, false);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open " + file, e);
        }
    }
}
