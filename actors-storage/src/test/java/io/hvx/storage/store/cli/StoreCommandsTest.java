package io.hvx.storage.store.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Qemu;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `hvx image push|pull|list|show|rm|gc`, with qemu-img making the input and checking the output. */
class StoreCommandsTest {
    @TempDir
    Path dir;

    record Outcome(int exitCode, String out, String err) {}

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ImageCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void shouldPushAQcow2PullItAsQcow2AndMatchQemuImgCompare() throws Exception {
        Qemu.require();
        Path qcow = dir.resolve("disk.qcow2");
        Qemu.img("create", "-f", "qcow2", qcow.toString(), "8M");
        Qemu.io(qcow, "qcow2", "write -P 0x5a 0 1M", "write -P 0x5a 1M 1M", "write -P 0x11 5M 300k");
        String store = dir.resolve("store").toString();

        Outcome push = run("push", qcow.toString(), "--name", "disk", "--store", store);
        assertEquals(0, push.exitCode(), push.err());
        // 128 chunks of 64 KiB: 32 of 0x5a (one distinct), 5 of 0x11 (4 full + 1 partial), the rest zero.
        assertTrue(push.out().contains("chunks 128: zero 91 (71.1%), duplicate 34"), push.out());
        assertTrue(push.out().contains("bytes read 2424832"), push.out());

        Outcome list = run("list", "--store", store);
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("disk ") && l.contains("8.0 MiB")), list.out());

        Outcome show = run("show", "disk", "--store", store);
        assertTrue(show.out().contains("chunks: 128 (zero 91, distinct 3)"), show.out());

        Path pulled = dir.resolve("out.qcow2");
        Outcome pull = run("pull", "disk", pulled.toString(), "-O", "qcow2", "--store", store);
        assertEquals(0, pull.exitCode(), pull.err());
        Qemu.ok("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", qcow.toString(), pulled.toString());
        Qemu.ok("qemu-img", "check", pulled.toString());

        assertEquals(0, run("rm", "disk", "--store", store).exitCode());
        Outcome gc = run("gc", "--grace", "0", "--store", store);
        assertEquals(0, gc.exitCode(), gc.err());
        assertTrue(gc.out().contains("removed 3"), gc.out());
    }

    @Test
    void shouldSnapshotAnImageAndCommitOnlyWhatChanged() throws Exception {
        Path raw = dir.resolve("base.raw");
        byte[] bytes = new byte[4 << 20];
        new java.util.Random(3).nextBytes(bytes);
        Files.write(raw, bytes);
        String store = dir.resolve("store").toString();
        String snaps = dir.resolve("snaps").toString();
        assertEquals(0, run("push", raw.toString(), "--name", "base", "--store", store).exitCode());
        Outcome snap = run("snapshot", "vm1", "--base", "base", "--store", store, "--snapshots", snaps);
        assertEquals(0, snap.exitCode(), snap.err());
        try (var images = new io.hvx.storage.store.ImageStore(new io.hvx.storage.store.LocalBackend(Path.of(store)),
                        64 << 10, java.time.Duration.ofMinutes(1), 1);
                var vm = new io.hvx.storage.snapshot.SnapshotStore(Path.of(snaps)).open("vm1", images, images)) {
            vm.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 70000);
        }
        Outcome commit = run("commit", "vm1", "--name", "base-v2", "--store", store, "--snapshots", snaps);
        assertEquals(0, commit.exitCode(), commit.err());
        // One chunk was written through the snapshot: only it is read, and it is the one new chunk.
        assertTrue(commit.out().contains("bytes read 65536 "), commit.out());
        assertTrue(commit.out().contains("new 1"), commit.out());
        Outcome missing = run("commit", "vm9", "--name", "x", "--store", store, "--snapshots", snaps);
        assertEquals("hvx image: no snapshot 'vm9' on this node", missing.err().strip());
    }

    @Test
    void shouldExplainFailuresInOneLine() throws Exception {
        String store = dir.resolve("store").toString();
        Outcome missing = run("pull", "nope", dir.resolve("x.raw").toString(), "--store", store);
        assertEquals(1, missing.exitCode());
        assertEquals("hvx image: no image 'nope' in the store (see 'hvx image list')", missing.err().strip());
        assertFalse(Files.exists(dir.resolve("x.raw")), "no partial output file");

        Outcome badName = run("push", dir.resolve("none.raw").toString(), "--name", "a/b", "--store", store);
        assertEquals(1, badName.exitCode());
        assertTrue(badName.err().startsWith("hvx image: could not open"), badName.err());

        Files.write(dir.resolve("one.raw"), new byte[4096]);
        Outcome bad = run("push", dir.resolve("one.raw").toString(), "--name", "a/b", "--store", store);
        assertTrue(bad.err().contains("bad image name 'a/b'"), bad.err());
        assertEquals(1, bad.err().lines().count());

        Outcome grace = run("gc", "--grace", "-1", "--store", store);
        assertEquals(2, grace.exitCode());
    }
}
