package io.hvx.storage.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ForwardingBlockDevice;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.nbd.MapExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.ObjectBackend;
import io.hvx.storage.testing.Qemu;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogicalVolumeTest {
    @TempDir
    Path dir;

    /** Two raw files in different directories and one object-backed member (a bucket's layout, here on disk). */
    List<BlockDevice> members(long each) throws IOException {
        List<BlockDevice> m = new ArrayList<>();
        m.add(ImageCreator.create(dir.resolve("disk-a/member.raw"), ImageFormat.RAW, each, Map.of()));
        m.add(ImageCreator.create(dir.resolve("disk-b/member.raw"), ImageFormat.RAW, each + 12345, Map.of()));
        m.add(new ObjectBlockDevice(new LocalBackend(dir.resolve("bucket")), "vol1", each, 64 << 10));
        return m;
    }

    static void exercise(BlockDevice volume, long seed) throws IOException {
        byte[] model = new byte[(int) volume.size()];
        Random random = new Random(seed);
        for (int i = 0; i < 100; i++) {
            int len = 1 + random.nextInt(300_000);
            int off = random.nextInt(model.length - len);
            byte[] data = new byte[len];
            random.nextBytes(data);
            volume.write(ByteBuffer.wrap(data), off);
            System.arraycopy(data, 0, model, off, len);
        }
        int dOff = random.nextInt(model.length - 100_000);
        volume.discard(dOff, 100_000);
        Arrays.fill(model, dOff, dOff + 100_000, (byte) 0);
        ByteBuffer all = ByteBuffer.allocate(model.length);
        volume.read(all, 0);
        assertArrayEquals(model, all.array());
    }

    @Test
    void shouldConcatenateMembersAndAddTheirCapacity() throws IOException {
        Files.createDirectories(dir.resolve("disk-a"));
        Files.createDirectories(dir.resolve("disk-b"));
        try (LogicalVolume v = new LogicalVolume(LogicalVolume.Layout.CONCAT, members(1 << 20), 0)) {
            assertEquals(3L * (1 << 20) + 12345, v.size());
            exercise(v, 1);
        }
    }

    @Test
    void shouldStripeOverMembersSoEveryMemberHoldsItsShare() throws IOException {
        Files.createDirectories(dir.resolve("disk-a"));
        Files.createDirectories(dir.resolve("disk-b"));
        List<BlockDevice> members = members(1 << 20);
        try (LogicalVolume v = new LogicalVolume(LogicalVolume.Layout.STRIPE, members, 64 << 10)) {
            assertEquals(3L << 20, v.size());
            exercise(v, 2);
            // Stripe unit 1 (bytes 64 KiB..128 KiB of the volume) lives at offset 0 of the second member.
            byte[] viaVolume = new byte[4096];
            v.read(ByteBuffer.wrap(viaVolume), 64 << 10);
            byte[] viaMember = new byte[4096];
            members.get(1).read(ByteBuffer.wrap(viaMember), 0);
            assertArrayEquals(viaVolume, viaMember);
        }
    }

    @Test
    void shouldServeAStripedVolumeReadWriteOverNbd() throws Exception {
        Qemu.require();
        Files.createDirectories(dir.resolve("disk-a"));
        Files.createDirectories(dir.resolve("disk-b"));
        try (LogicalVolume v = new LogicalVolume(LogicalVolume.Layout.STRIPE, members(1 << 20), 64 << 10);
                NbdServer server = NbdServer.start("127.0.0.1", 0, new MapExports().add("vol1", v, false))) {
            Qemu.ok("qemu-io", "-f", "raw", "-c", "write -P 0x77 60000 200000", "-c", "flush",
                    "-c", "read -P 0x77 60000 200000", "nbd://127.0.0.1:" + server.port() + "/vol1");
            byte[] b = new byte[200000];
            v.read(ByteBuffer.wrap(b), 60000);
            byte[] expected = new byte[200000];
            Arrays.fill(expected, (byte) 0x77);
            assertArrayEquals(expected, b);
        }
    }

    @Test
    void shouldBuildVolumesFromSettingsAndRefuseBadOnes() throws IOException {
        com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseString(
                "hvx.storage.volumes = [{name = data, layout = stripe, stripe-unit = 128KiB, members = [\"file:"
                + dir.resolve("a/data.raw") + ":2MiB\", \"bucket:data-1:2MiB\"]}]");
        List<VolumeSpec> specs = VolumeSpec.from(config);
        assertEquals(1, specs.size());
        LocalBackend bucket = new LocalBackend(dir.resolve("bucket"));
        try (LogicalVolume v = specs.get(0).open(bucket)) {
            assertEquals(4L << 20, v.size());
            exercise(v, 3);
        }
        // Reopening finds the same data; the bucket member's objects live under volumes/data-1/.
        assertEquals(true, bucket.list("volumes/data-1/").size() > 0);
        com.typesafe.config.Config wrong = com.typesafe.config.ConfigFactory.parseString(
                "hvx.storage.volumes = [{name = data, layout = spiral, members = [\"x\"]}]");
        io.hvx.config.SettingsException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.hvx.config.SettingsException.class, () -> VolumeSpec.from(wrong));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("hvx.storage.volumes[0]"), e.getMessage());
        com.typesafe.config.Config badMember = com.typesafe.config.ConfigFactory.parseString(
                "hvx.storage.volumes = [{name = data, members = [\"tape:/dev/st0\"]}]");
        // A bad member is found when the settings are read, before the node starts anything.
        io.hvx.config.SettingsException m = org.junit.jupiter.api.Assertions.assertThrows(
                io.hvx.config.SettingsException.class, () -> VolumeSpec.from(badMember));
        org.junit.jupiter.api.Assertions.assertTrue(m.getMessage().contains("member 'tape:/dev/st0'"), m.getMessage());
    }

    @Test
    void shouldServeRequestsForDifferentMembersAtTheSameTime() throws Exception {
        // Each member lets a request through only once a request is inside the other member too: a volume
        // that served one request at a time would leave the first waiting alone until the meeting times out.
        Files.createDirectories(dir.resolve("disk-a"));
        CyclicBarrier meeting = new CyclicBarrier(2);
        List<BlockDevice> members = List.of(
                new Meeting(ImageCreator.create(dir.resolve("disk-a/m0.raw"), ImageFormat.RAW, 1 << 20, Map.of()), meeting),
                new Meeting(ImageCreator.create(dir.resolve("disk-a/m1.raw"), ImageFormat.RAW, 1 << 20, Map.of()), meeting));
        ExecutorService two = Executors.newFixedThreadPool(2);
        try (LogicalVolume v = new LogicalVolume(LogicalVolume.Layout.STRIPE, members, 4096)) {
            for (boolean write : new boolean[] {true, false}) {
                List<Future<?>> both = new ArrayList<>();
                for (long offset : new long[] {0, 4096}) {
                    both.add(two.submit(() -> {
                        ByteBuffer b = ByteBuffer.allocate(4096);
                        if (write) {
                            v.write(b.putLong(0, offset + 1), offset);
                        } else {
                            v.read(b, offset);
                            assertEquals(offset + 1, b.getLong(0));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : both) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void shouldWriteDifferentObjectsOfABucketMemberAtTheSameTime() throws Exception {
        // Writes to one object are read-modify-write and must not interleave; writes to different objects
        // need not wait for each other. Each put waits here until the other object's put has begun.
        CyclicBarrier meeting = new CyclicBarrier(2);
        LocalBackend local = new LocalBackend(dir.resolve("bucket"));
        ObjectBackend meetingPuts = new ObjectBackend() {
            @Override
            public void put(String key, byte[] data) throws IOException {
                Meeting.meet(meeting, "put of " + key);
                local.put(key, data);
            }

            @Override
            public byte[] get(String key) throws IOException {
                return local.get(key);
            }

            @Override
            public boolean exists(String key) throws IOException {
                return local.exists(key);
            }

            @Override
            public List<StoredObject> list(String prefix) throws IOException {
                return local.list(prefix);
            }

            @Override
            public void delete(String key) throws IOException {
                local.delete(key);
            }

            @Override
            public int sweepIncomplete(java.time.Instant before) throws IOException {
                return local.sweepIncomplete(before);
            }

            @Override
            public String describe() {
                return local.describe();
            }

            @Override
            public void close() throws IOException {
                local.close();
            }
        };
        ExecutorService two = Executors.newFixedThreadPool(2);
        try (ObjectBlockDevice member = new ObjectBlockDevice(meetingPuts, "vol", 1 << 20, 64 << 10)) {
            List<Future<?>> both = new ArrayList<>();
            for (long offset : new long[] {4096, (64 << 10) + 4096}) {
                both.add(two.submit(() -> {
                    member.write(ByteBuffer.allocate(512).putLong(0, offset), offset);
                    return null;
                }));
            }
            for (Future<?> f : both) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (long offset : new long[] {4096, (64 << 10) + 4096}) {
                ByteBuffer b = ByteBuffer.allocate(512);
                member.read(b, offset);
                assertEquals(offset, b.getLong(0));
            }
        } finally {
            two.shutdownNow();
        }
    }

    /** A real member whose requests wait at a barrier, to see which requests run at the same time. */
    private static final class Meeting extends ForwardingBlockDevice {
        private final CyclicBarrier barrier;

        Meeting(BlockDevice real, CyclicBarrier barrier) {
            super(real);
            this.barrier = barrier;
        }

        static void meet(CyclicBarrier barrier, String what) throws IOException {
            try {
                barrier.await(20, TimeUnit.SECONDS);
            } catch (TimeoutException | BrokenBarrierException e) {
                throw new IOException(what + " waited alone: no other request ran at the same time", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void read(ByteBuffer buffer, long offset) throws IOException {
            meet(barrier, "read at " + offset);
            super.read(buffer, offset);
        }

        @Override
        public void write(ByteBuffer buffer, long offset) throws IOException {
            meet(barrier, "write at " + offset);
            super.write(buffer, offset);
        }

        @Override
        public boolean readOnly() {
            return false;
        }
    }
}
