package io.hvx.devices.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.testing.TestGuestKit;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BzImageTest {

    private static String refusal(byte[] image) {
        KernelImageException e = assertThrows(KernelImageException.class, () -> BzImage.parse(image));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void debians_kernel_is_a_relocatable_64_bit_bzimage() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        BzImage kernel = BzImage.parse(Files.readAllBytes(kit.kernel()));
        assertTrue(kernel.version() >= 0x020f, kernel.versionString());
        assertTrue(kernel.relocatable());
        assertEquals(0x100_0000L, kernel.preferredAddress());
        assertTrue((kernel.xloadFlags() & BzImage.XLF_KERNEL_64) != 0);
        assertTrue(kernel.initSize() > kernel.kernelLength(), "decompression needs more room than the file");
    }

    @Test
    void a_synthetic_header_parses_to_its_fields() throws Exception {
        BzImage image = BzImage.parse(new SyntheticBzImage().build());
        assertEquals(1024, image.kernelOffset());
        assertEquals(0x26c, image.headerEnd());
        assertEquals("2.15", image.versionString());
        assertEquals(0x40_0000L, image.initSize());
    }

    @Test
    void an_elf_file_or_random_bytes_are_not_a_bzimage() {
        byte[] elf = new byte[4096];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        assertTrue(refusal(elf).startsWith("not a bzImage"));
        SyntheticBzImage noMagic = new SyntheticBzImage();
        noMagic.magic = false;
        assertTrue(refusal(noMagic.build()).contains("HdrS"));
        assertTrue(refusal(new byte[100]).contains("only 100 bytes"));
    }

    @Test
    void an_old_protocol_or_a_32_bit_kernel_is_refused() {
        SyntheticBzImage old = new SyntheticBzImage();
        old.version = 0x020a;
        assertEquals("boot protocol 2.10 is too old: hvx needs 2.12 or newer (64-bit entry)", refusal(old.build()));
        SyntheticBzImage only32 = new SyntheticBzImage();
        only32.xloadFlags = 0;
        assertTrue(refusal(only32.build()).contains("no 64-bit entry point"));
        SyntheticBzImage zImage = new SyntheticBzImage();
        zImage.loadFlags = 0;
        assertTrue(refusal(zImage.build()).contains("zImage"));
    }

    @Test
    void a_truncated_kernel_is_refused() {
        byte[] whole = new SyntheticBzImage().build();
        assertTrue(refusal(Arrays.copyOf(whole, 2048)).startsWith("truncated bzImage"));
        SyntheticBzImage hugeSetup = new SyntheticBzImage();
        byte[] image = hugeSetup.build();
        image[0x1f1] = (byte) 200;
        assertTrue(refusal(image).startsWith("truncated bzImage"));
    }
}
