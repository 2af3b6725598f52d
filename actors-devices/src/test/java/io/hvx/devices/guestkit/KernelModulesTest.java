package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Load order from modules' .modinfo, on small ELF64 files written by the test (the real kernel's are in GuestKitDiskTest). */
class KernelModulesTest {

    /** A relocatable ELF64 file with a section-name table and a .modinfo section holding {@code info}. */
    static byte[] module(String... info) {
        byte[] names = "\0.shstrtab\0.modinfo\0".getBytes(StandardCharsets.US_ASCII);
        byte[] modinfo = (String.join("\0", info) + "\0").getBytes(StandardCharsets.UTF_8);
        int sectionTable = 64 + names.length + modinfo.length;
        ByteBuffer elf = ByteBuffer.allocate(sectionTable + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        elf.putShort(16, (short) 1).putShort(18, (short) 62).putInt(20, 1).putLong(0x28, sectionTable)
            .putShort(0x34, (short) 64).putShort(0x3a, (short) 64).putShort(0x3c, (short) 3).putShort(0x3e, (short) 1);
        elf.put(64, names).put(64 + names.length, modinfo);
        section(elf, sectionTable + 64, 1, 3, 64, names.length);
        section(elf, sectionTable + 128, 11, 1, 64 + names.length, modinfo.length);
        return elf.array();
    }

    private static void section(ByteBuffer elf, int at, int name, int type, long offset, long size) {
        elf.putInt(at, name).putInt(at + 4, type).putLong(at + 0x18, offset).putLong(at + 0x20, size);
    }

    private static Path tree(Path dir, String... pathsAndInfo) throws Exception {
        for (int i = 0; i < pathsAndInfo.length; i += 2) {
            Path file = dir.resolve("lib/modules/6.1.0-test/kernel").resolve(pathsAndInfo[i]);
            Files.createDirectories(file.getParent());
            Files.write(file, module(pathsAndInfo[i + 1].split("\n")));
        }
        return dir;
    }

    private static List<String> order(KernelModules modules, String... roots) throws Exception {
        return modules.loadOrder(List.of(roots)).stream()
            .map(load -> load.module().name() + (load.optional() ? "?" : "")).toList();
    }

    @Test
    void dependencies_come_first_and_soft_dependencies_are_optional_providers_of_their_alias(@TempDir Path dir)
        throws Exception {
        KernelModules modules = KernelModules.read(tree(dir,
            "fs/ext4/ext4.ko", "name=ext4\ndepends=jbd2,crc16\nsoftdep=pre: crypto-crc32c",
            "fs/jbd2/jbd2.ko", "name=jbd2\ndepends=\nsoftdep=pre: crypto-crc32c",
            "lib/crc16.ko", "name=crc16\ndepends=",
            "crypto/crc32c_generic.ko", "name=crc32c_generic\ndepends=\nalias=crypto-crc32c",
            "arch/x86/crypto/crc32c-intel.ko", "name=crc32c_intel\nalias=crypto-crc32c",
            "drivers/virtio/virtio.ko", "name=virtio\ndepends=",
            "drivers/char/hw_random/virtio-rng.ko", "name=virtio_rng\ndepends=virtio"));
        assertEquals("6.1.0-test", modules.version());
        List<String> order = order(modules, "virtio-rng", "ext4");
        assertEquals(List.of("virtio", "virtio_rng"), order.subList(0, 2));
        assertEquals(List.of("crc32c_intel?", "crc32c_generic?", "jbd2", "crc16", "ext4").stream().sorted().toList(),
            order.subList(2, 7).stream().sorted().toList());
        assertTrue(order.indexOf("jbd2") > order.indexOf("crc32c_generic?") && order.indexOf("ext4") > order.indexOf("crc16"), order.toString());
        assertEquals("lib/modules/6.1.0-test/kernel/drivers/char/hw_random/virtio-rng.ko",
            modules.loadOrder(List.of("virtio_rng")).getLast().module().path());
    }

    @Test
    void a_soft_dependency_that_another_module_needs_outright_is_not_optional(@TempDir Path dir) throws Exception {
        KernelModules modules = KernelModules.read(tree(dir,
            "a.ko", "name=a\nsoftdep=pre: b",
            "b.ko", "name=b\ndepends=c",
            "c.ko", "name=c",
            "d.ko", "name=d\ndepends=b"));
        assertEquals(List.of("c", "b", "a", "d"), order(modules, "a", "d"));
    }

    @Test
    void a_missing_module_or_a_cycle_is_an_error_naming_it(@TempDir Path dir) throws Exception {
        KernelModules modules = KernelModules.read(tree(dir,
            "a.ko", "name=a\ndepends=gone",
            "x.ko", "name=x\ndepends=y",
            "y.ko", "name=y\ndepends=x"));
        GuestKitException missing = assertThrows(GuestKitException.class, () -> modules.loadOrder(List.of("a")));
        assertEquals("the kernel package 6.1.0-test has no module gone (needed by a)", missing.getMessage());
        GuestKitException cycle = assertThrows(GuestKitException.class, () -> modules.loadOrder(List.of("x")));
        assertTrue(cycle.getMessage().contains("cycle: x -> y -> x"), cycle.getMessage());
    }

    @Test
    void a_file_that_is_not_an_elf64_module_is_refused_with_its_name(@TempDir Path dir) throws Exception {
        tree(dir, "a.ko", "name=a");
        Path bad = dir.resolve("lib/modules/6.1.0-test/kernel/bad.ko");
        Files.write(bad, new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
        GuestKitException e = assertThrows(GuestKitException.class, () -> KernelModules.read(dir));
        assertTrue(e.getMessage().contains("bad.ko"), e.getMessage());
        byte[] truncated = module("name=t");
        Files.write(bad, java.util.Arrays.copyOf(truncated, truncated.length - 100));
        e = assertThrows(GuestKitException.class, () -> KernelModules.read(dir));
        assertTrue(e.getMessage().contains("bad.ko is truncated or malformed"), e.getMessage());
    }
}
