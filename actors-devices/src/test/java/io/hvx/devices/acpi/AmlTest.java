package io.hvx.devices.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Encodings checked against the ACPI specification's grammar (section 20, "ACPI Machine Language"). */
class AmlTest {

    @Test
    void eisa_id_of_a_16550_compresses_to_the_well_known_dword() {
        // PNP0501 is 0x0105D041 in every PC firmware's DSDT
        assertArrayEquals(new byte[] {0x0c, 0x41, (byte) 0xd0, 0x05, 0x01}, Aml.eisaId("PNP0501"));
    }

    @Test
    void package_length_uses_one_byte_below_64_and_more_bytes_beyond() {
        byte[] small = Aml.withPkgLength(new int[] {0x10}, new byte[62]);
        assertEquals(63, small[1]);
        byte[] two = Aml.withPkgLength(new int[] {0x10}, new byte[100]);
        // 102 bytes with the 2-byte PkgLength: lead byte 0x40 | (102 & 0xf), then 102 >> 4
        assertEquals(0x40 | (102 & 0xf), two[1] & 0xff);
        assertEquals(102 >> 4, two[2] & 0xff);
        byte[] three = Aml.withPkgLength(new int[] {0x10}, new byte[5000]);
        assertEquals(0x80 | (5003 & 0xf), three[1] & 0xff);
        assertEquals((5003 >> 4) & 0xff, three[2] & 0xff);
        assertEquals(5003 >> 12, three[3] & 0xff);
    }

    @Test
    void integers_use_the_shortest_prefix() {
        assertArrayEquals(new byte[] {0x00}, Aml.integer(0));
        assertArrayEquals(new byte[] {0x01}, Aml.integer(1));
        assertArrayEquals(new byte[] {0x0a, 0x10}, Aml.integer(16));
        assertArrayEquals(new byte[] {0x0b, 0x00, 0x02}, Aml.integer(0x200));
        assertArrayEquals(new byte[] {0x0c, 0x00, 0x00, 0x00, (byte) 0xd0}, Aml.integer(0xd000_0000L));
    }

    @Test
    void names_are_padded_segments_with_root_and_dual_prefixes() {
        assertArrayEquals("_S5_".getBytes(), Aml.nameString("_S5"));
        assertArrayEquals(new byte[] {'\\', '_', 'S', 'B', '_'}, Aml.nameString("\\_SB"));
        assertArrayEquals(new byte[] {0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'}, Aml.nameString("_SB.COM1"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("com1"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
    }
}
