package io.hvx.storage.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.store.LocalBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Volumes created at run time: checked specs, kept across a restart, refused while in use. */
class VolumeRegistryTest {
    @TempDir
    Path dir;

    VolumeSpec striped() throws VolumeException {
        return VolumeSpec.of("data", "stripe", 64L << 10, List.of("file:" + dir.resolve("a/m.raw") + ":4MiB",
                "file:" + dir.resolve("b/m.raw") + ":4MiB", "bucket:data-1:4MiB"));
    }

    @Test
    void shouldKeepAVolumeCreatedAtRunTimeAcrossARestartWithItsData() throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(3).nextBytes(data);
        try (LocalBackend bucket = new LocalBackend(dir.resolve("store"));
                VolumeRegistry first = VolumeRegistry.open(dir.resolve("volumes"), List.of(), bucket)) {
            VolumeRegistry.Info info = first.create(striped());
            assertEquals(12L << 20, info.size());
            assertEquals(VolumeRegistry.Source.API, info.source());
            BlockDevice dev = first.attach("data");
            dev.write(ByteBuffer.wrap(data), 3 << 20);
            dev.flush();
            first.detach("data");
        }
        try (LocalBackend bucket = new LocalBackend(dir.resolve("store"));
                VolumeRegistry again = VolumeRegistry.open(dir.resolve("volumes"), List.of(), bucket)) {
            assertEquals(List.of("data"), again.list().stream().map(VolumeRegistry.Info::name).toList());
            assertEquals("stripe", again.show("data").layout());
            ByteBuffer back = ByteBuffer.allocate(data.length);
            again.attach("data").read(back, 3 << 20);
            assertArrayEquals(data, back.array());
            again.detach("data");
            again.remove("data");
        }
        try (LocalBackend bucket = new LocalBackend(dir.resolve("store"));
                VolumeRegistry after = VolumeRegistry.open(dir.resolve("volumes"), List.of(), bucket)) {
            assertTrue(after.list().isEmpty());
            assertTrue(Files.exists(dir.resolve("a/m.raw")), "rm must leave the members' data alone");
        }
    }

    @Test
    void shouldRefuseBadSpecsNamingTheProblem() throws IOException {
        assertMessage("layout 'mirror' is not concat or stripe",
                () -> VolumeSpec.of("v", "mirror", null, List.of("dev:/dev/null")));
        assertMessage("stripe unit 1000 is not a power of two", () -> VolumeSpec.of("v", "stripe", 1000L, List.of("dev:/x")));
        assertMessage("needs at least one member", () -> VolumeSpec.of("v", null, null, List.of()));
        assertMessage("member 'nfs:/x' is not file:PATH:SIZE", () -> VolumeSpec.of("v", null, null, List.of("nfs:/x")));
        assertMessage("size 'lots' is not a size", () -> VolumeSpec.of("v", null, null, List.of("file:/tmp/x:lots")));
        assertMessage("no . or .. part", () -> VolumeSpec.of("v", null, null, List.of("bucket:../images:1MiB")));
        assertMessage("volume name: bad image name '../v'", () -> VolumeSpec.of("../v", null, null, List.of("dev:/x")));
        Files.write(dir.resolve("small.raw"), new byte[4096]);
        try (LocalBackend bucket = new LocalBackend(dir.resolve("store"));
                VolumeRegistry volumes = VolumeRegistry.open(dir.resolve("volumes"), List.of(striped()), bucket)) {
            assertMessage("holds 4096 bytes, the volume says 1048576", () -> volumes.create(
                    VolumeSpec.of("w", null, null, List.of("file:" + dir.resolve("small.raw") + ":1MiB"))));
            assertMessage(dir.resolve("nope") + " does not exist",
                    () -> volumes.create(VolumeSpec.of("w", null, null, List.of("dev:" + dir.resolve("nope")))));
            assertMessage("bucket:data-1 is already a member of volume 'data'",
                    () -> volumes.create(VolumeSpec.of("w", null, null, List.of("bucket:data-1:1MiB"))));
            assertMessage("volume 'data' exists already", () -> volumes.create(striped()));
            assertMessage("declared in hvx.storage.volumes", () -> volumes.remove("data"));
            assertMessage("no volume 'zzz'", () -> volumes.remove("zzz"));
            assertNull(volumes.attach("zzz"));
            volumes.create(VolumeSpec.of("w", null, null, List.of("file:" + dir.resolve("small.raw") + ":4096")));
            volumes.attach("w");
            assertMessage("in use by 1 NBD client", () -> volumes.remove("w"));
            volumes.detach("w");
            volumes.remove("w");
        }
    }

    interface Call {
        void run() throws Exception;
    }

    static void assertMessage(String part, Call call) {
        VolumeException e = assertThrows(VolumeException.class, call::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
