package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A root tree written as ext4 without root and without mounting; e2fsprogs' e2fsck and debugfs are the readers. */
class Ext4ImageTest {

    private static String tool(String name) {
        try {
            return Ext4Image.tool(name);
        } catch (GuestKitException e) {
            // e2fsprogs is missing here: skip, naming the tool and the package to install (bin/test installs it)
            return Assumptions.abort(e.getMessage());
        }
    }

    private static String debugfs(Path image, String request) throws Exception {
        return HostTools.ok(image.getParent(), tool("debugfs"), "-R", request, image.toString());
    }

    @Test
    void modes_the_host_cannot_stage_and_devices_land_in_the_image_owned_by_root(@TempDir Path dir) throws Exception {
        tool("mke2fs");
        RootTree tree = new RootTree();
        tree.directory("bin", 0755);
        tree.directory("secret", 0700);
        tree.directory("tmp", 01777);
        tree.directory("dev", 0755);
        tree.file("bin/tool", 04750, "#!/bin/sh\necho tool\n");
        tree.file("secret/key", 0600, "k");
        tree.symlink("bin/sh", "/bin/tool");
        tree.charDevice("dev/console", 0600, 5, 1);
        Path image = dir.resolve("root.img");
        Ext4Image.write(tree, image, 16L << 20, dir);

        assertEquals(16L << 20, Files.size(image));
        HostTools.Result fsck = HostTools.run(dir, tool("e2fsck"), "-fn", image.toString());
        assertEquals(0, fsck.exitCode(), fsck.output());
        for (RootTree.Entry entry : tree.entries()) {
            String stat = debugfs(image, "stat /" + entry.path());
            assertTrue(stat.contains("Mode:  0" + Integer.toOctalString(entry.permissions()) + " ")
                || stat.contains("Mode:  " + String.format("%04o", entry.permissions()) + " "), entry.path() + ":\n" + stat);
            assertTrue(stat.contains("User:     0   Group:     0"), entry.path() + ":\n" + stat);
        }
        assertEquals("#!/bin/sh\necho tool\n", debugfs(image, "cat /bin/tool").replaceFirst("(?s)^debugfs [^\n]*\n", ""));
        assertTrue(debugfs(image, "stat /dev/console").contains("Device major/minor number: 05:01"));
        assertTrue(debugfs(image, "stat /bin/sh").contains("Fast link dest: \"/bin/tool\""));
        assertFalse(Files.exists(dir.resolve("disk-root")), "the staged copy is removed");
        assertEquals(List.of("root.img"), Files.list(dir).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void paths_that_could_escape_the_root_or_come_before_their_directory_are_refused() {
        RootTree tree = new RootTree();
        tree.directory("etc", 0755);
        for (String bad : List.of("/etc/passwd", "etc/../../x", "etc//x", "etc/", "", "etc/a b", "var/x")) {
            assertThrows(IllegalArgumentException.class, () -> tree.file(bad, 0644, "x"), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> tree.file("etc", 0644, "x"), "twice");
        assertThrows(IllegalArgumentException.class, () -> tree.file("etc/x", 010644, "x"), "type bits in permissions");
    }
}
