package io.hvx.devices.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.acpi.AcpiTables;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.testing.TestGuestKit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks the loaded guest memory against the offsets of Documentation/arch/x86/zero-page.rst and boot.rst. */
class LinuxLoaderTest {

    private static final long ZERO_PAGE = 0x7000;

    /** Translates a virtual address through 4-level paging as the CPU would (2 MiB and 4 KiB pages). */
    private static long walk(GuestRam ram, long cr3, long virtual) {
        long table = cr3 & ~0xfffL;
        for (int level = 3; level >= 0; level--) {
            long entry = ram.getLong(table + ((virtual >>> (12 + 9 * level)) & 0x1ff) * 8);
            assertTrue((entry & 1) != 0, "present at level " + level + " for 0x" + Long.toHexString(virtual));
            if (level == 1 && (entry & 0x80) != 0) {
                return (entry & 0xf_ffff_ffe0_0000L) | (virtual & 0x1f_ffff);
            }
            table = entry & 0xf_ffff_ffff_f000L;
        }
        return table | (virtual & 0xfff);
    }

    @Test
    void the_zero_page_carries_command_line_initrd_e820_and_rsdp() throws Exception {
        SyntheticBzImage synthetic = new SyntheticBzImage();
        byte[] image = synthetic.build();
        BzImage kernel = BzImage.parse(image);
        byte[] initrd = "initramfs bytes".getBytes(StandardCharsets.US_ASCII);
        try (GuestRam ram = GuestRam.allocate(64L << 20)) {
            long rsdp = AcpiTables.build(1, List.of()).writeTo(ram);
            BootState state = LinuxLoader.load(ram, kernel, initrd, "console=ttyS0 quiet", rsdp);
            long cmdline = Integer.toUnsignedLong(ram.getInt(ZERO_PAGE + 0x228));
            assertEquals("console=ttyS0 quiet\0", new String(ram.read(cmdline, 20), StandardCharsets.US_ASCII));
            long initrdAt = Integer.toUnsignedLong(ram.getInt(ZERO_PAGE + 0x218));
            assertEquals(initrd.length, ram.getInt(ZERO_PAGE + 0x21c));
            assertArrayEquals(initrd, ram.read(initrdAt, initrd.length));
            assertEquals(0, initrdAt & 0xfff);
            assertTrue(initrdAt + initrd.length <= 64L << 20 && initrdAt >= 0x100_0000L + synthetic.initSize);
            assertEquals(rsdp, ram.getLong(ZERO_PAGE + 0x070));
            assertEquals(0xff, ram.read(ZERO_PAGE + 0x210, 1)[0] & 0xff, "type_of_loader: undefined");
            assertEquals(0x53726448, ram.getInt(ZERO_PAGE + 0x202), "the setup header was copied");
            int entries = ram.read(ZERO_PAGE + 0x1e8, 1)[0];
            assertEquals(3, entries);
            assertEquals(0x100000L, ram.getLong(ZERO_PAGE + 0x2d0 + 2 * 20));
            assertEquals((64L << 20) - 0x100000, ram.getLong(ZERO_PAGE + 0x2d0 + 2 * 20 + 8));
            assertEquals(1, ram.getInt(ZERO_PAGE + 0x2d0 + 2 * 20 + 16));
            assertArrayEquals(Arrays.copyOfRange(image, 1024, image.length), ram.read(0x100_0000L, image.length - 1024),
                "protected-mode kernel at its preferred address");
            assertEquals(0x100_0200L, state.rip(), "64-bit entry: load address + 0x200");
            assertEquals(ZERO_PAGE, state.rsi());
        }
    }

    @Test
    void the_boot_state_is_long_mode_on_an_identity_map_with_flat_boot_segments() throws Exception {
        BzImage kernel = BzImage.parse(new SyntheticBzImage().build());
        try (GuestRam ram = GuestRam.allocate(64L << 20)) {
            BootState s = LinuxLoader.load(ram, kernel, null, "", 0);
            assertEquals(BootState.CR0_PE | BootState.CR0_PG, s.cr0() & (BootState.CR0_PE | BootState.CR0_PG));
            assertEquals(BootState.CR4_PAE, s.cr4() & BootState.CR4_PAE);
            assertEquals(BootState.EFER_LME | BootState.EFER_LMA, s.efer());
            for (long address : new long[] {0, ZERO_PAGE, 0x100_0200L, 0x3ff_f000L, 0xfee0_0000L, 0xffff_f000L}) {
                assertEquals(address, walk(ram, s.cr3(), address));
            }
            assertEquals(0x10, s.codeSelector());
            assertEquals(0x18, s.dataSelector());
            long code = ram.getLong(s.gdtBase() + s.codeSelector());
            assertEquals(s.codeDescriptor(), code);
            assertEquals(1, (code >>> 53) & 1, "L bit: 64-bit code");
            assertEquals(1, (code >>> 47) & 1, "present");
            assertEquals(0xa, (code >>> 40) & 0xa, "code, readable");
            long data = ram.getLong(s.gdtBase() + s.dataSelector());
            assertEquals(0x2, (data >>> 40) & 0xa, "data, writable");
            assertEquals(0xfffffL, (data & 0xffff) | ((data >>> 32) & 0xf0000), "4 GiB limit with 4 KiB granularity");
            assertEquals(0, ram.getInt(ZERO_PAGE + 0x218), "no initramfs");
            assertTrue(s.gdtLimit() >= s.taskSelector() + 15);
        }
    }

    @Test
    void a_kernel_too_big_for_ram_is_a_clear_error() throws Exception {
        SyntheticBzImage big = new SyntheticBzImage();
        big.initSize = 30L << 20;
        BzImage kernel = BzImage.parse(big.build());
        try (GuestRam ram = GuestRam.allocate(32L << 20)) {
            KernelImageException e = assertThrows(KernelImageException.class,
                () -> LinuxLoader.load(ram, kernel, null, "", 0));
            assertEquals("the kernel needs 30 MiB from 0x1000000, more than the VM's 32 MiB of RAM", e.getMessage());
        }
    }

    @Test
    void an_initramfs_that_does_not_fit_or_a_long_command_line_is_refused() throws Exception {
        SyntheticBzImage small = new SyntheticBzImage();
        small.cmdlineSize = 10;
        BzImage kernel = BzImage.parse(small.build());
        try (GuestRam ram = GuestRam.allocate(32L << 20)) {
            KernelImageException tooLong = assertThrows(KernelImageException.class,
                () -> LinuxLoader.load(ram, kernel, null, "x".repeat(300), 0));
            assertTrue(tooLong.getMessage().contains("at most 255"), tooLong.getMessage());
            KernelImageException noRoom = assertThrows(KernelImageException.class,
                () -> LinuxLoader.load(ram, kernel, new byte[14 << 20], "", 0));
            assertTrue(noRoom.getMessage().startsWith("the initramfs (14 MiB) does not fit"), noRoom.getMessage());
        }
    }

    @Test
    void debians_kernel_and_the_guest_kit_load_into_256_mib() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        BzImage kernel = BzImage.parse(Files.readAllBytes(kit.kernel()));
        byte[] initrd = Files.readAllBytes(kit.initrd());
        try (GuestRam ram = GuestRam.allocate(256L << 20)) {
            long rsdp = AcpiTables.build(2, List.of()).writeTo(ram);
            BootState viaDecompressor = LinuxLoader.load(ram, kernel, initrd, "console=ttyS0", rsdp, false);
            assertEquals(0x100_0200L, viaDecompressor.rip(), "the bzImage's 64-bit entry is 0x200 past its start");
            BootState state = LinuxLoader.load(ram, kernel, initrd, "console=ttyS0", rsdp);
            // Debian links startup_64 at LOAD_PHYSICAL_ADDR (16 MiB); the decompressor's own code is gone from there
            assertEquals(0x100_0000L, state.rip());
            assertFalse(Arrays.equals(Arrays.copyOfRange(kernel.image(), kernel.kernelOffset(), kernel.kernelOffset() + 512),
                ram.read(0x100_0000L, 512)), "vmlinux, not the compressed kernel, sits at 16 MiB");
            long initrdAt = Integer.toUnsignedLong(ram.getInt(ZERO_PAGE + 0x218));
            assertArrayEquals(Arrays.copyOf(initrd, 6), ram.read(initrdAt, 6), "cpio magic 070701 at the initrd address");
            assertTrue(initrdAt >= 0x100_0000L + kernel.initSize());
        }
    }
}
