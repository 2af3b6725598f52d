package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.boot.BzImage;
import io.hvx.devices.testing.HostTools;
import io.hvx.devices.testing.TestGuestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestKitTest {

    @Test
    void the_kit_holds_a_debian_bzimage_and_a_busybox_initramfs_that_cpio_reads() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        BzImage kernel = BzImage.parse(Files.readAllBytes(kit.kernel()));
        assertTrue(kernel.version() >= 0x020c, kernel.versionString());
        assertTrue(kit.kernelPackage().startsWith("linux-image-"), kit.kernelPackage());
        HostTools.require("cpio", "cpio");
        List<String> members = HostTools.ok(kit.initrd().getParent(), "sh", "-c",
            "cpio -t --quiet < " + kit.initrd().getFileName()).lines().toList();
        assertTrue(members.containsAll(List.of("init", "bin/busybox", "bin/sh", "dev/console", "proc", "sys")), members.toString());
        assertTrue(members.size() > 200, "busybox applet links: " + members.size());
        for (String module : GuestKit.MODULES) {
            assertTrue(members.stream().anyMatch(m -> m.startsWith("lib/modules/") && m.endsWith("/" + module + ".ko")),
                module + " in " + members);
        }
    }

    @Test
    void init_loads_each_module_after_the_modules_it_depends_on(@TempDir Path dir) throws Exception {
        // insmod of a module whose dependency is not loaded yet fails quietly in /init, and every module after it
        // that needs it fails too: the guest then has no virtio devices at all
        GuestKit.Kit kit = TestGuestKit.require();
        HostTools.require("cpio", "cpio");
        HostTools.ok(dir, "sh", "-c", "cpio -i --quiet -d 'lib/modules/*' < " + kit.initrd());
        List<String> names = GuestKit.MODULES.stream().map(m -> m.replace('-', '_')).toList();
        try (var files = Files.walk(dir.resolve("lib/modules"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".ko")).toList()) {
                String name = file.getFileName().toString().replace(".ko", "").replace('-', '_');
                for (String entry : KernelModules.modinfo(file)) {
                    if (entry.startsWith("depends=") && entry.length() > "depends=".length()) {
                        for (String dependency : entry.substring("depends=".length()).split(",")) {
                            assertTrue(names.indexOf(dependency) >= 0 && names.indexOf(dependency) < names.indexOf(name),
                                name + " needs " + dependency + " loaded before it: " + GuestKit.MODULES);
                        }
                    }
                }
            }
        }
    }

    @Test
    void the_init_script_runs_under_the_hosts_busybox(@TempDir Path dir) throws Exception {
        // the script's shell syntax is checked by busybox itself (sh -n parses without running)
        GuestKit.Kit kit = TestGuestKit.require();
        HostTools.require("cpio", "cpio");
        HostTools.ok(dir, "sh", "-c", "cpio -i --quiet -d init bin/busybox < " + kit.initrd());
        assertEquals(GuestKit.INIT, Files.readString(dir.resolve("init")));
        HostTools.ok(dir, dir.resolve("bin/busybox").toString(), "sh", "-n", dir.resolve("init").toString());
    }

    @Test
    void a_second_build_reuses_the_cached_kit() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        long modified = Files.getLastModifiedTime(kit.initrd()).toMillis();
        GuestKit.Kit again = new GuestKit(kit.kernel().getParent(), System.err).build(false);
        assertEquals(kit.initrd(), again.initrd());
        assertEquals(modified, Files.getLastModifiedTime(again.initrd()).toMillis());
    }

    @Test
    void an_unwritable_cache_directory_is_a_one_line_error(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("file");
        Files.writeString(file, "x");
        GuestKitException e = org.junit.jupiter.api.Assertions.assertThrows(GuestKitException.class,
            () -> new GuestKit(file.resolve("cache"), System.err).build(false));
        assertTrue(e.getMessage().startsWith("cannot create the cache directory"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
