package io.hvx.storage.bench;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ForwardingBlockDevice;
import io.hvx.storage.nbd.MapExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.volume.LogicalVolume;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * 4 KiB random reads over one NBD connection at queue depth 1 and 16 (fio, ioengine=nbd): hvx serving a
 * volume striped over 4 raw files vs qemu-nbd serving one raw file of the same size, in the same run. Both read
 * from the page cache, so a second pass gives every device read an emulated latency (hvx: each member sleeps
 * before reading; qemu-nbd: its null-co driver with latency-ns, read-zeroes off so its server cannot answer
 * from block status without reading), which is where requests in flight pay off.
 * Run by hand: {@code java -cp ... io.hvx.storage.bench.NbdQueueDepthBenchmark [dir] [seconds]
 * [max-in-flight]}.
 */
public final class NbdQueueDepthBenchmark {
    private static final int MEMBER_BYTES = 64 << 20;
    private static final long LATENCY_NANOS = 500_000;
    private static final Pattern IOPS = Pattern.compile("\"read\"\\s*:\\s*\\{[^}]*?\"iops\"\\s*:\\s*([0-9.]+)");

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(args.length > 0 ? Path.of(args[0]) : Path.of("/tmp"), "nbd-qd");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        // 1 serves one request at a time, as the server did before requests in flight.
        int maxInFlight = args.length > 2 ? Integer.parseInt(args[2]) : NbdServer.DEFAULT_MAX_IN_FLIGHT;
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(11);
        List<BlockDevice> members = new ArrayList<>();
        Path single = dir.resolve("single.raw");
        try (var out = Files.newOutputStream(single)) {
            for (int m = 0; m < 4; m++) {
                Path file = dir.resolve("member" + m + ".raw");
                try (var member = Files.newOutputStream(file)) {
                    for (int i = 0; i < MEMBER_BYTES / chunk.length; i++) {
                        random.nextBytes(chunk);
                        member.write(chunk);
                        out.write(chunk);
                    }
                }
                members.add(RawImage.open(file, true));
            }
        }
        List<BlockDevice> slow = new ArrayList<>();
        for (BlockDevice m : members) {
            slow.add(new Delayed(m, LATENCY_NANOS));
        }
        try (LogicalVolume volume = new LogicalVolume(LogicalVolume.Layout.STRIPE, members, 64 << 10);
                LogicalVolume slowVolume = new LogicalVolume(LogicalVolume.Layout.STRIPE, slow, 64 << 10);
                NbdServer server = NbdServer.start("127.0.0.1", 0,
                        new MapExports().add("vol", volume, true).add("slow", slowVolume, true), maxInFlight)) {
            int qport = freePort();
            int slowPort = freePort();
            Process qemu = new ProcessBuilder("qemu-nbd", "-r", "-f", "raw", "-b", "127.0.0.1", "-p", "" + qport,
                    "-x", "raw", "--persistent", "--shared=4", single.toString()).inheritIO().start();
            Process qemuSlow = new ProcessBuilder("qemu-nbd", "-r", "-b", "127.0.0.1", "-p", "" + slowPort, "-x",
                    "slow", "--persistent", "--shared=4", "--image-opts",
                    "driver=null-co,size=" + 4L * MEMBER_BYTES + ",read-zeroes=off,latency-ns=" + LATENCY_NANOS)
                    .inheritIO().start();
            try {
                Thread.sleep(1000);
                for (int depth : new int[] {1, 16}) {
                    double hvx = fio("nbd://127.0.0.1:" + server.port() + "/vol", depth, seconds);
                    double qemuIops = fio("nbd://127.0.0.1:" + qport + "/raw", depth, seconds);
                    System.out.printf("page cache, qd %2d: hvx striped volume %8.0f IOPS, qemu-nbd raw file %8.0f"
                            + " IOPS%n", depth, hvx, qemuIops);
                }
                for (int depth : new int[] {1, 16}) {
                    double hvx = fio("nbd://127.0.0.1:" + server.port() + "/slow", depth, seconds);
                    double qemuIops = fio("nbd://127.0.0.1:" + slowPort + "/slow", depth, seconds);
                    System.out.printf("%d us per read, qd %2d: hvx striped volume %8.0f IOPS, qemu-nbd null-co %8.0f"
                            + " IOPS%n", LATENCY_NANOS / 1000, depth, hvx, qemuIops);
                }
            } finally {
                qemu.destroy();
                qemuSlow.destroy();
                qemu.waitFor();
                qemuSlow.waitFor();
            }
        } finally {
            for (String f : new String[] {"member0.raw", "member1.raw", "member2.raw", "member3.raw", "single.raw"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double fio(String uri, int depth, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("fio", "--name=qd" + depth, "--ioengine=nbd", "--uri=" + uri, "--rw=randread",
                "--bs=4k", "--iodepth=" + depth, "--size=256M", "--time_based", "--runtime=" + seconds,
                "--ramp_time=1", "--output-format=json").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("fio failed on " + uri + ":\n" + out);
        }
        Matcher m = IOPS.matcher(out);
        if (!m.find()) {
            throw new IOException("no read IOPS in fio's output:\n" + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A member that waits before every read, as a disk with that access time would. */
    private static final class Delayed extends ForwardingBlockDevice {
        private final long nanos;

        Delayed(BlockDevice inner, long nanos) {
            super(inner);
            this.nanos = nanos;
        }

        @Override
        public void read(java.nio.ByteBuffer buffer, long offset) throws IOException {
            java.util.concurrent.locks.LockSupport.parkNanos(nanos);
            super.read(buffer, offset);
        }

        @Override
        public HostRun hostRun(long offset, long length) {
            return null; // every read goes through the delay
        }

        @Override
        public boolean readOnly() {
            return true;
        }

        @Override
        public void close() {}
    }

    private NbdQueueDepthBenchmark() {}
}
