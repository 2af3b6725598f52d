package io.hvx.devices.initramfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GNU cpio, the host's reader of the newc format, is the peer. */
class CpioWriterTest {

    private static byte[] archive() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioWriter cpio = new CpioWriter(bytes, 1_700_000_000L)) {
            cpio.directory("bin", 0755);
            cpio.directory("dev", 0755);
            cpio.file("bin/tool", 0750, "odd length!".getBytes(StandardCharsets.US_ASCII));
            cpio.file("empty", 0644, new byte[0]);
            cpio.symlink("bin/sh", "/bin/tool");
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.file("/init", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    @Test
    void cpio_lists_every_member_with_its_type_and_device_numbers(@TempDir Path dir) throws Exception {
        HostTools.require("cpio", "cpio");
        Files.write(dir.resolve("a.cpio"), archive());
        List<String> names = HostTools.ok(dir, "sh", "-c", "cpio -t --quiet < a.cpio").lines().toList();
        assertEquals(List.of("bin", "dev", "bin/tool", "empty", "bin/sh", "dev/console", "init"), names);
        String verbose = HostTools.ok(dir, "sh", "-c", "cpio -tv --quiet < a.cpio");
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("crw-------") && l.contains("5,") && l.endsWith("dev/console")), verbose);
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("lrwxrwxrwx") && l.endsWith("bin/sh -> /bin/tool")), verbose);
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("-rwxr-x---") && l.contains(" 11 ") && l.endsWith("bin/tool")), verbose);
    }

    @Test
    void cpio_extracts_the_same_contents_links_and_modes(@TempDir Path dir) throws Exception {
        HostTools.require("cpio", "cpio");
        Files.write(dir.resolve("a.cpio"), archive());
        Path out = Files.createDirectory(dir.resolve("out"));
        HostTools.ok(out, "sh", "-c", "cpio -i --quiet -d --no-absolute-filenames bin/tool bin/sh empty init < ../a.cpio");
        assertEquals("odd length!", Files.readString(out.resolve("bin/tool")));
        assertEquals("#!/bin/sh\necho hi\n", Files.readString(out.resolve("init")));
        assertEquals(0, Files.size(out.resolve("empty")));
        assertEquals("/bin/tool", Files.readSymbolicLink(out.resolve("bin/sh")).toString());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(out.resolve("bin/tool"), LinkOption.NOFOLLOW_LINKS)));
    }

    @Test
    void the_archive_is_padded_to_four_bytes_and_ends_with_the_trailer() throws Exception {
        byte[] bytes = archive();
        assertEquals(0, bytes.length % 4);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("070701"));
        assertTrue(text.contains("TRAILER!!!"));
    }

    @Test
    void bad_names_and_writes_after_finish_are_refused() throws Exception {
        CpioWriter cpio = new CpioWriter(OutputStream.nullOutputStream(), 0);
        assertThrows(IllegalArgumentException.class, () -> cpio.file("/", 0644, new byte[0]));
        cpio.finish();
        assertThrows(IllegalStateException.class, () -> cpio.file("late", 0644, new byte[0]));
    }
}
