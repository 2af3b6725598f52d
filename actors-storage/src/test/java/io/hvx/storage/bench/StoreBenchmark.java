package io.hvx.storage.bench;

import io.hvx.storage.cache.CachedImage;
import io.hvx.storage.cache.ChunkCache;
import io.hvx.storage.nbd.MapExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Image store benchmarks against peers, in one run: push of a disk image vs {@code casync make} (time and
 * stored size); 4 KiB random reads over NBD from a warm cache vs qemu-nbd on the same raw file (one client
 * for both); cold vs warm cache reads of the first 64 MiB.
 *
 * <p>Run: java -cp ... io.hvx.storage.bench.StoreBenchmark IMAGE.raw WORKDIR
 */
public final class StoreBenchmark {
    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Files.createDirectories(work);
        System.out.printf(Locale.ROOT, "image %s, %d MiB virtual, %d MiB allocated%n", image, Files.size(image) >> 20,
                du(image) >> 20);

        // 1. push vs casync make
        Path storeDir = work.resolve("store");
        ImageStore store = new ImageStore(new LocalBackend(storeDir), 64 << 10, Duration.ofMinutes(10),
                Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        PushResult r;
        try (RawImage src = RawImage.open(image, true)) {
            r = store.push(src, "bench", PushListener.NONE);
        }
        double hvxPush = (System.nanoTime() - t0) / 1e9;
        long hvxStored = du(storeDir);
        Path casyncStore = work.resolve("casync.castr");
        t0 = System.nanoTime();
        run("casync", "make", "--store=" + casyncStore, work.resolve("bench.caibx").toString(), image.toString());
        double casyncTime = (System.nanoTime() - t0) / 1e9;
        long casyncStored = du(casyncStore);
        System.out.printf(Locale.ROOT, "push: hvx %.2f s, %d MiB stored (zero %.1f%%, dup %.1f%%); casync make %.2f s,"
                + " %d MiB stored; time ratio casync/hvx %.2f, size ratio casync/hvx %.2f%n", hvxPush, hvxStored >> 20,
                r.zeroRatio() * 100, r.duplicateRatio() * 100, casyncTime, casyncStored >> 20, casyncTime / hvxPush,
                (double) casyncStored / hvxStored);

        // 2. cold vs warm reads of the first 64 MiB through the cache (read-ahead off: pure cache effect)
        long span = Math.min(64L << 20, Files.size(image));
        try (ChunkCache cache = new ChunkCache(work.resolve("cache"), 4L << 30, 4, 64 << 10, store)) {
            CachedImage cached = new CachedImage(store.manifest("bench"), cache, cache::prefetch, 0);
            double cold = sequential(cached, span);
            double warm = sequential(cached, span);
            System.out.printf(Locale.ROOT, "first %d MiB: cold %.3f s, warm %.3f s, cold/warm %.1f%n", span >> 20, cold,
                    warm, cold / warm);

            // 3. 4 KiB random reads over NBD: hvx warm cache vs qemu-nbd on the raw file
            sequential(cached, cached.size());
            try (NbdServer server = NbdServer.start("127.0.0.1", 0, new MapExports().add("bench", cached, true))) {
                int qport = freePort();
                Process qemu = new ProcessBuilder("qemu-nbd", "-r", "-f", "raw", "-b", "127.0.0.1", "-p", "" + qport,
                        "-x", "bench", "-t", image.toString()).redirectErrorStream(true).start();
                try {
                    Thread.sleep(1000);
                    int n = 50_000;
                    random(server.port(), 2000);
                    random(qport, 2000);
                    double hvx = random(server.port(), n);
                    double peer = random(qport, n);
                    double hvx2 = random(server.port(), n);
                    double peer2 = random(qport, n);
                    System.out.printf(Locale.ROOT, "4 KiB random reads, %d per run, one connection: hvx %.0f and %.0f"
                            + " IOPS, qemu-nbd %.0f and %.0f IOPS; hvx/qemu-nbd %.2f%n", n, hvx, hvx2, peer, peer2,
                            (hvx + hvx2) / (peer + peer2));
                } finally {
                    qemu.destroy();
                    qemu.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        store.close();
    }

    private static double sequential(CachedImage image, long span) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        long t0 = System.nanoTime();
        for (long at = 0; at < span; at += b.capacity()) {
            b.clear().limit((int) Math.min(b.capacity(), span - at));
            image.read(b, at);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double random(int port, int count) throws IOException {
        try (NbdClient c = new NbdClient(port, "bench")) {
            ByteBuffer b = ByteBuffer.allocateDirect(4096);
            SplittableRandom rnd = new SplittableRandom(42);
            long blocks = c.size / 4096;
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                b.clear();
                c.read(b, rnd.nextLong(blocks) * 4096, i);
            }
            return count / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long du(Path p) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder("du", "-sb", "--apparent-size", p.toString()).start();
        String out = new String(proc.getInputStream().readAllBytes()).trim();
        proc.waitFor();
        if (Files.isRegularFile(p)) {
            Process real = new ProcessBuilder("du", "-sB1", p.toString()).start();
            out = new String(real.getInputStream().readAllBytes()).trim();
            real.waitFor();
        }
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
