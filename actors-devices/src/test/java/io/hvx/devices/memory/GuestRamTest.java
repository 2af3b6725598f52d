package io.hvx.devices.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GuestRamTest {

    @Test
    void small_ram_is_one_block_below_the_hole_with_the_bios_area_reserved() {
        try (GuestRam ram = GuestRam.allocate(256L << 20)) {
            assertEquals(List.of(
                new E820Entry(0, 0x9fc00, E820Entry.RAM),
                new E820Entry(0xe0000, 0x20000, E820Entry.RESERVED),
                new E820Entry(0x100000, (256L << 20) - 0x100000, E820Entry.RAM)), ram.e820());
            assertTrue(ram.contains(0, 256L << 20));
            assertFalse(ram.contains((256L << 20) - 4, 8));
            assertEquals(-1, ram.offset(0x1_0000_0000L));
        }
    }

    @Test
    void ram_beyond_three_gib_continues_above_four_gib() {
        long size = 4L << 30;
        try (GuestRam ram = GuestRam.allocate(size)) {
            List<E820Entry> map = ram.e820();
            assertEquals(new E820Entry(0x100000, 0xc000_0000L - 0x100000, E820Entry.RAM), map.get(2));
            assertEquals(new E820Entry(0x1_0000_0000L, 1L << 30, E820Entry.RAM), map.get(3));
            assertEquals(-1, ram.offset(0xd000_0000L), "the MMIO hole is not RAM");
            assertEquals(0xc000_0000L, ram.offset(0x1_0000_0000L));
            ram.putLong(0x1_0000_0000L + 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, ram.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
                0xc000_0000L + 8));
        }
    }

    @Test
    void fresh_ram_reads_zero_and_keeps_what_is_written() {
        try (GuestRam ram = GuestRam.allocate(16L << 20)) {
            assertArrayEquals(new byte[64], ram.read(0x123456, 64));
            ram.write(0x1000, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, ram.read(0x1000, 3));
        }
    }

    @Test
    void bad_sizes_and_accesses_outside_ram_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> GuestRam.allocate(1L << 20));
        assertThrows(IllegalArgumentException.class, () -> GuestRam.allocate((16L << 20) + 1));
        try (GuestRam ram = GuestRam.allocate(16L << 20)) {
            assertThrows(IllegalArgumentException.class, () -> ram.read((16L << 20) - 2, 4));
        }
    }

    @Test
    void access_after_close_fails_cleanly() {
        GuestRam ram = GuestRam.allocate(16L << 20);
        ram.close();
        assertThrows(IllegalStateException.class, () -> ram.getLong(0));
    }
}
