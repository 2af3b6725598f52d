package io.hvx.storage.bench;

import com.sun.nio.file.ExtendedOpenOption;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.volume.LogicalVolume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Capacity and 4 KiB random IOPS of one member vs striped logical volumes of 2 and 4 such members, in one run.
 *
 * <p>Each member is a file on this machine's disk read and written with O_DIRECT (no page cache) one request
 * at a time, as a disk with one queue slot or a remote volume behind one connection: its IOPS are bound by
 * the disk's latency per request, not by the CPU, and members do not wait for each other. The same number
 * of requests is in flight against every volume; a volume's IOPS add up only if the volume sends requests
 * for different members at once.
 *
 * <p>Run: java -cp ... io.hvx.storage.bench.VolumeBenchmark WORKDIR [MEMBER_MIB] [IN_FLIGHT] [SECONDS] [ROUNDS]
 */
public final class VolumeBenchmark {
    private static final int BLOCK = 4096;
    private static final long STRIPE_UNIT = 64 << 10;

    private VolumeBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        long memberBytes = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
        int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        Files.createDirectories(work);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            files.add(fill(work.resolve("member-" + i + ".raw"), memberBytes));
        }
        System.out.printf(Locale.ROOT, "members: %d files of %d MiB, O_DIRECT, one request at a time each;"
                + " %d requests in flight, %d s per measurement, stripe unit %d KiB%n", files.size(), memberBytes >> 20,
                inFlight, seconds, STRIPE_UNIT >> 10);
        int[] widths = {1, 2, 4};
        double[][] iops = new double[2][widths.length];
        for (int round = 0; round < rounds; round++) {
            for (boolean write : new boolean[] {false, true}) {
                for (int w = 0; w < widths.length; w++) {
                    List<BlockDevice> members = new ArrayList<>();
                    for (int i = 0; i < widths[w]; i++) {
                        members.add(new DirectMember(files.get(i)));
                    }
                    try (LogicalVolume volume = new LogicalVolume(LogicalVolume.Layout.STRIPE, members, STRIPE_UNIT)) {
                        double r = run(volume, write, inFlight, seconds);
                        iops[write ? 1 : 0][w] += r;
                        System.out.printf(Locale.ROOT, "round %d %-5s %d member(s), %5d MiB: %8.0f IOPS%n", round + 1,
                                write ? "write" : "read", widths[w], volume.size() >> 20, r);
                    }
                }
            }
        }
        for (int kind = 0; kind < 2; kind++) {
            System.out.printf(Locale.ROOT, "%s, sum of " + rounds + " rounds: 1 member %.0f, 2 members %.0f (x%.2f), 4 members %.0f (x%.2f)%n",
                    kind == 0 ? "4 KiB random read" : "4 KiB random write", iops[kind][0], iops[kind][1],
                    iops[kind][1] / iops[kind][0], iops[kind][2], iops[kind][2] / iops[kind][0]);
        }
    }

    /** Writes every block of the file, so reads go to the disk rather than to unwritten extents. */
    private static Path fill(Path file, long size) throws IOException {
        if (Files.exists(file) && Files.size(file) == size) {
            return file;
        }
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        SplittableRandom random = new SplittableRandom(file.hashCode());
        while (chunk.hasRemaining()) {
            chunk.putLong(random.nextLong());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += chunk.capacity()) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    ch.write(chunk, at + chunk.position());
                }
            }
            ch.force(true);
        }
        return file;
    }

    /** IOPS of 4 KiB aligned random requests over the whole volume, from inFlight threads for seconds. */
    private static double run(BlockDevice volume, boolean write, int inFlight, int seconds) throws Exception {
        LongAdder done = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean failed = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(inFlight);
        long blocks = volume.size() / BLOCK;
        for (int t = 0; t < inFlight; t++) {
            long seed = t * 7919L + (write ? 1 : 0);
            Thread.ofPlatform().daemon().start(() -> {
                // O_DIRECT wants the buffer aligned to the block size.
                ByteBuffer buffer = ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK);
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    while (!stop.get()) {
                        long offset = random.nextLong(blocks) * BLOCK;
                        buffer.clear().limit(BLOCK);
                        if (write) {
                            buffer.putLong(0, offset);
                            volume.write(buffer, offset);
                        } else {
                            volume.read(buffer, offset);
                        }
                        done.increment();
                    }
                } catch (IOException e) {
                    failed.set(true);
                    e.printStackTrace();
                } finally {
                    finished.countDown();
                }
            });
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long count = done.sum();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        stop.set(true);
        finished.await();
        if (failed.get()) {
            throw new IOException("a request failed (see above)");
        }
        return count / elapsed;
    }

    /** A raw file read and written with O_DIRECT, one request at a time: a member with a single queue slot. */
    private static final class DirectMember implements BlockDevice {
        private final FileChannel channel;
        private final long size;

        DirectMember(Path file) throws IOException {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
            size = channel.size();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
            BlockDevice.checkRange(this, offset, buffer.remaining());
            long at = offset - buffer.position();
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, at + buffer.position()) < 0) {
                    throw new IOException("end of member file at " + (at + buffer.position()));
                }
            }
        }

        @Override
        public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
            BlockDevice.checkRange(this, offset, buffer.remaining());
            long at = offset - buffer.position();
            while (buffer.hasRemaining()) {
                channel.write(buffer, at + buffer.position());
            }
        }

        @Override
        public void flush() throws IOException {
            channel.force(false);
        }

        @Override
        public void discard(long offset, long length) {
            throw new UnsupportedOperationException("not used by the benchmark");
        }

        @Override
        public Extent extentAt(long offset) {
            return new Extent(size - offset, false);
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
