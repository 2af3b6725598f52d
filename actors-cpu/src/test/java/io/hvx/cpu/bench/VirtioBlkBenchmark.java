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
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Sequential throughput of a virtio-blk disk on a raw file: in-guest {@code dd} writing and reading the disk under
 * hvx and under the peer emulator, {@code qemu-system-x86_64 -accel tcg -M microvm} with a virtio-blk-device on
 * the same file, against the host writing and reading that file, in one run. The guest's page cache is dropped
 * before its read; the host file is in the host's page cache for every side.
 * Run after building the kit with {@code hvx guest-kit}: VirtioBlkBenchmark [MIB] [qemu|hvx|both]
 */
public final class VirtioBlkBenchmark {
    /**
     * QEMU's microvm has no PIT or HPET that calibrates on a loaded host, so its kernel is told the TSC rate (as in
     * actors-devices' QemuBootBenchmark); microvm describes its virtio-mmio devices in ACPI, which the kit's
     * virtio_mmio binds as it does under hvx.
     */
    private static final String QEMU_APPEND = "console=ttyS0 panic=-1 tsc_early_khz=2000000";

    private VirtioBlkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        String sides = args.length > 1 ? args[1] : "both";
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
            double[] qemu = sides.equals("hvx") ? null : qemu(kit, file, mib);
            double[] hvx = sides.equals("qemu") ? null : hvx(kit, file, mib);
            System.out.printf("%-28s %14s %10s%n", "MB/s (" + mib + " MiB, 1 MiB blocks)", "write+fsync", "read");
            System.out.printf("%-28s %14.1f %10.1f%n", "host FileChannel", rate(bytes, hostWrite), rate(bytes, hostRead));
            if (qemu != null) {
                System.out.printf("%-28s %14.1f %10.1f%n", "guest dd, qemu tcg microvm", rate(bytes, qemu[0]),
                    rate(bytes, qemu[1]));
            }
            if (hvx != null) {
                System.out.printf("%-28s %14.1f %10.1f%n", "guest dd, hvx", rate(bytes, hvx[0]), rate(bytes, hvx[1]));
                System.out.printf("ratio host/hvx: write %.1f, read %.1f%n", hvx[0] / hostWrite, hvx[1] / hostRead);
            }
            if (qemu != null) {
                System.out.printf("ratio host/qemu: write %.1f, read %.1f%n", qemu[0] / hostWrite, qemu[1] / hostRead);
            }
            if (qemu != null && hvx != null) {
                System.out.printf("ratio hvx time/qemu time: write %.1f, read %.1f%n", hvx[0] / qemu[0], hvx[1] / qemu[1]);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        System.exit(0);
    }

    /** Seconds of the guest's write and read under hvx (2 vCPUs, 256 MiB). */
    private static double[] hvx(GuestKit.Kit kit, Path file, int mib) throws Exception {
        GuestConsole console = new GuestConsole();
        VmConfig config = new VmConfig(2, 256L << 20, Files.readAllBytes(kit.kernel()),
            Files.readAllBytes(kit.initrd()), "console=ttyS0 panic=-1", true,
            List.of(m -> new VirtioBlk(open(file), "bench", 1, m.ram(), new VirtioCounters())));
        try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
            long start = System.nanoTime();
            vm.start();
            console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(20));
            System.out.printf("hvx: shell prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
            double[] seconds = dd(new GuestShell(vm, console), "hvx", mib);
            vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            vm.await(Duration.ofMinutes(1));
            return seconds;
        }
    }

    /** Seconds of the guest's write and read under QEMU TCG microvm (2 vCPUs, 256 MiB), the same kit and file. */
    private static double[] qemu(GuestKit.Kit kit, Path file, int mib) throws Exception {
        List<String> command = List.of("qemu-system-x86_64", "-accel", "tcg", "-M", "microvm,isa-serial=on,rtc=on",
            "-cpu", "max", "-m", "256", "-smp", "2", "-nographic", "-no-reboot", "-kernel", kit.kernel().toString(),
            "-initrd", kit.initrd().toString(), "-append", QEMU_APPEND,
            "-drive", "id=d0,file=" + file + ",format=raw,if=none,cache=writeback", "-device", "virtio-blk-device,drive=d0");
        GuestConsole console = new GuestConsole();
        long start = System.nanoTime();
        Process qemu = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread pump = Thread.ofPlatform().daemon().start(() -> {
            try (InputStream out = qemu.getInputStream()) {
                for (int b; (b = out.read()) >= 0; ) {
                    console.write(b);
                }
            } catch (IOException e) {
                System.err.println("qemu's output ended: " + e);
            }
        });
        OutputStream in = qemu.getOutputStream();
        GuestShell.Keyboard keyboard = bytes -> {
            try {
                in.write(bytes);
                in.flush();
            } catch (IOException e) {
                throw new IllegalStateException("qemu's input is closed (exit " + qemu.exitValue() + ")", e);
            }
        };
        try {
            console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(10));
            System.out.printf("qemu: shell prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
            double[] seconds = dd(new GuestShell(keyboard, () -> "qemu " + (qemu.isAlive() ? "running" : "exited"),
                console), "qemu", mib);
            keyboard.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
            if (!qemu.waitFor(60, TimeUnit.SECONDS)) {
                System.err.println("qemu did not power off in 60 s; killing it");
            }
            return seconds;
        } finally {
            qemu.destroyForcibly();
            pump.join(5000);
        }
    }

    /**
     * The guest workload, the same under both emulators: refuses to time anything unless /dev/vda is a block device
     * (without the virtio modules, dd would write a regular file on devtmpfs), then writes with fsync, drops the
     * guest's page cache and reads back.
     */
    private static double[] dd(GuestShell shell, String who, int mib) throws InterruptedException {
        String device = shell.run("[ -b /dev/vda ] && echo block || echo missing").strip();
        if (!device.equals("block")) {
            throw new IllegalStateException(who + ": the guest has no /dev/vda block device (" + device
                + "): the kit's virtio modules did not load; rebuild it with `hvx guest-kit --refresh`");
        }
        double write = timed(shell, who, "dd if=/dev/zero of=/dev/vda bs=1M count=" + mib + " conv=fsync");
        shell.run("echo 3 > /proc/sys/vm/drop_caches");
        double read = timed(shell, who, "dd if=/dev/vda of=/dev/null bs=1M count=" + mib);
        return new double[] {write, read};
    }

    /**
     * Seconds from typing {@code command} to its end marker, by the host's clock (the shell's echo of a short
     * line adds well under a second); dd's own summary is printed beside it.
     */
    public static double timed(GuestShell shell, String who, String command) throws InterruptedException {
        long start = System.nanoTime();
        String out = shell.run(command + " 2>&1 | tail -n 1", Duration.ofMinutes(20));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s guest: %s -> %s (%.2f s)%n", who, command, out.strip(), seconds);
        return seconds;
    }

    public static double hostWrite(Path file, long bytes) throws IOException {
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

    public static double hostRead(Path file, long bytes) throws IOException {
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

    public static double rate(long bytes, double seconds) {
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
