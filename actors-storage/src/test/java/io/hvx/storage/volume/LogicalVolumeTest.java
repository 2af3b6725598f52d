package io.hvx.storage.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.nbd.MapExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.store.LocalBackend;
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
}
