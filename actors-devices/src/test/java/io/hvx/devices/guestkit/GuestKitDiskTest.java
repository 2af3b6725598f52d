package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import io.hvx.devices.testing.TestGuestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk kit, checked without booting: e2fsprogs' own fsck and debugfs read the image, cpio the initramfs. */
class GuestKitDiskTest {

    /** One line of debugfs' {@code ls -l}: inode, mode, (type), uid, gid, size, date, time, name. */
    private static final Pattern LS_LINE = Pattern.compile(
        "^\\s*\\d+\\s+(\\d+)\\s+\\(\\d+\\)\\s+(\\d+)\\s+(\\d+)\\s+.*?\\d{2}:\\d{2}\\s(.+)$");

    private record Inode(int mode, int uid, int gid) {
    }

    private static String debugfs(Path image, String request) throws Exception {
        HostTools.Result result = HostTools.run(image.getParent(), Ext4Image.tool("debugfs"), "-R", request, image.toString());
        assertEquals(0, result.exitCode(), result.output());
        return result.output().lines().filter(l -> !l.startsWith("debugfs ")).reduce("", (a, b) -> a + b + "\n");
    }

    /** Every inode under / by path, read directory by directory with debugfs. */
    private static Map<String, Inode> listing(Path image) throws Exception {
        Map<String, Inode> all = new HashMap<>();
        List<String> directories = new ArrayList<>(List.of("/"));
        while (!directories.isEmpty()) {
            String directory = directories.removeLast();
            for (String line : debugfs(image, "ls -l " + directory).lines().toList()) {
                Matcher m = LS_LINE.matcher(line);
                if (!m.matches()) {
                    continue;
                }
                String name = m.group(4).strip();
                if (name.equals(".") || name.equals("..") || name.equals("lost+found")) {
                    continue;
                }
                String path = (directory.equals("/") ? "" : directory) + "/" + name;
                Inode inode = new Inode(Integer.parseInt(m.group(1), 8), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
                all.put(path, inode);
                if ((inode.mode() & 0170000) == 0040000) {
                    directories.add(path);
                }
            }
        }
        return all;
    }

    @Test
    void the_disk_image_is_an_ext4_file_system_that_e2fsck_finds_clean() throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        assertEquals(GuestKit.DISK_SIZE, Files.size(kit.disk()));
        HostTools.Result fsck = HostTools.run(kit.disk().getParent(), Ext4Image.tool("e2fsck"), "-fn", kit.disk().toString());
        assertEquals(0, fsck.exitCode(), fsck.output());
        String superblock = debugfs(kit.disk(), "stats");
        assertTrue(superblock.contains("Filesystem volume name:   " + Ext4Image.LABEL), superblock);
        assertTrue(superblock.matches("(?s).*Filesystem features:.*extent.*metadata_csum.*"), superblock);
    }

    @Test
    void every_file_on_the_disk_is_owned_by_root_with_the_mode_of_its_role() throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        Map<String, Inode> inodes = listing(kit.disk());
        assertTrue(inodes.size() > 250, "busybox applets and /etc: " + inodes.size());
        inodes.forEach((path, inode) -> {
            assertEquals(0, inode.uid(), path + " owner");
            assertEquals(0, inode.gid(), path + " group");
        });
        Map<String, Integer> expected = Map.ofEntries(Map.entry("/bin/busybox", 0100755), Map.entry("/sbin/init", 0120777),
            Map.entry("/bin/sh", 0120777), Map.entry("/sbin/udhcpc", 0120777), Map.entry("/sbin/switch_root", 0120777),
            Map.entry("/etc/init.d/rcS", 0100755), Map.entry("/etc/inittab", 0100644), Map.entry("/etc/passwd", 0100644),
            Map.entry("/etc/shadow", 0100600), Map.entry("/etc/group", 0100644), Map.entry("/etc/hostname", 0100644),
            Map.entry("/etc/resolv.conf", 0100644), Map.entry("/etc/profile", 0100644),
            Map.entry("/etc/udhcpc/default.script", 0100755), Map.entry("/root", 040700), Map.entry("/tmp", 041777),
            Map.entry("/var/tmp", 041777), Map.entry("/var", 040755), Map.entry("/proc", 040755), Map.entry("/sys", 040755),
            Map.entry("/dev", 040755), Map.entry("/dev/console", 020600), Map.entry("/dev/null", 020666),
            Map.entry("/var/run", 0120777));
        expected.forEach((path, mode) -> {
            Inode inode = inodes.get(path);
            assertTrue(inode != null, path + " is missing");
            assertEquals(Integer.toOctalString(mode), Integer.toOctalString(inode.mode()), path + " mode");
        });
        assertTrue(debugfs(kit.disk(), "stat /sbin/init").contains("Fast link dest: \"/bin/busybox\""));
        String console = debugfs(kit.disk(), "stat /dev/console");
        assertTrue(console.contains("Device major/minor number: 05:01"), console);
    }

    @Test
    void the_disks_scripts_parse_under_its_busybox_and_name_the_kits_prompt(@TempDir Path dir) throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        debugfs(kit.disk(), "dump /bin/busybox " + dir.resolve("busybox"));
        assertTrue(dir.resolve("busybox").toFile().setExecutable(true));
        for (String script : List.of("/etc/init.d/rcS", "/etc/udhcpc/default.script")) {
            Path copy = dir.resolve(script.substring(script.lastIndexOf('/') + 1));
            debugfs(kit.disk(), "dump " + script + " " + copy);
            HostTools.ok(dir, dir.resolve("busybox").toString(), "sh", "-n", copy.toString());
        }
        assertEquals(DiskRoot.RCS, debugfs(kit.disk(), "cat /etc/init.d/rcS"));
        assertTrue(debugfs(kit.disk(), "cat /etc/profile").contains("PS1='" + GuestKit.DISK_PROMPT + "'"));
        assertTrue(debugfs(kit.disk(), "cat /etc/inittab").contains("ttyS0::respawn:-/bin/sh"));
    }

    @Test
    void the_disk_initramfs_loads_every_module_after_what_its_modinfo_says_it_needs(@TempDir Path dir) throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        HostTools.require("cpio", "cpio");
        HostTools.ok(dir, "sh", "-c", "cpio -i --quiet -d < " + kit.initrd());
        String init = Files.readString(dir.resolve("init"));
        HostTools.ok(dir, dir.resolve("bin/busybox").toString(), "sh", "-n", dir.resolve("init").toString());
        List<String> loaded = new ArrayList<>();
        for (String line : init.lines().toList()) {
            if (line.startsWith("need ") || line.startsWith("may ")) {
                Path module = dir.resolve(line.substring(line.indexOf(' ') + 1));
                assertTrue(Files.isRegularFile(module), module + " is not in the initramfs");
                String name = null;
                for (String entry : KernelModules.modinfo(module)) {
                    if (entry.startsWith("name=")) {
                        name = entry.substring(5);
                    } else if (entry.startsWith("depends=") && entry.length() > 8) {
                        for (String dependency : entry.substring(8).split(",")) {
                            assertTrue(loaded.contains(dependency), name + " needs " + dependency + " before it: " + loaded);
                        }
                    }
                }
                loaded.add(name);
            }
        }
        assertTrue(loaded.containsAll(List.of("virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_net",
            "ext4", "jbd2", "mbcache", "crc16", "crc32c_generic")), loaded.toString());
        assertTrue(loaded.indexOf("crc32c_generic") < loaded.indexOf("jbd2"), "ext4's soft dependency crc32c first: " + loaded);
        assertTrue(init.contains("need lib/modules/") && init.contains("may lib/modules/"), init);
        assertTrue(init.contains("exec switch_root /newroot /sbin/init"), init);
    }

    @Test
    void the_disk_kit_is_reused_from_the_cache_and_named_by_the_kits_paths() throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        GuestKit guestKit = new GuestKit(kit.disk().getParent(), System.err);
        long modified = Files.getLastModifiedTime(kit.disk()).toMillis();
        GuestKit.DiskKit again = guestKit.buildDisk(false);
        assertEquals(kit, again);
        assertEquals(modified, Files.getLastModifiedTime(again.disk()).toMillis());
        assertEquals(guestKit.diskImage(), kit.disk());
        assertEquals(guestKit.diskInitramfs(), kit.initrd());
    }

    @Test
    void the_disk_command_line_carries_a_valid_host_name_and_refuses_others() {
        assertEquals(GuestKit.DISK_CMDLINE + " hvx.hostname=vm-1", GuestKit.diskCmdline("vm-1"));
        assertTrue(GuestKit.DISK_CMDLINE.contains("root=/dev/vda"));
        for (String bad : List.of("", "-vm", "vm-", "a b", "vm;reboot", "x".repeat(64))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuestKit.diskCmdline(bad));
            assertTrue(e.getMessage().contains("is not a host name"), e.getMessage());
        }
    }
}
