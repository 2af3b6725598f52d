package io.hvx.devices.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.testing.HostTools;
import io.hvx.devices.x86.Layout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AcpiTablesTest {

    private final AcpiTables tables = AcpiTables.build(2, List.of(0, 3));

    private static int sum(byte[] bytes, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += bytes[i];
        }
        return sum & 0xff;
    }

    @Test
    void every_table_sums_to_zero_and_declares_its_length() {
        assertEquals(0, sum(tables.rsdp(), 20), "RSDP ACPI 1.0 checksum");
        assertEquals(0, sum(tables.rsdp(), 36), "RSDP extended checksum");
        for (byte[] table : List.of(tables.xsdt(), tables.fadt(), tables.madt(), tables.dsdt())) {
            assertEquals(0, sum(table, table.length), new String(table, 0, 4, StandardCharsets.US_ASCII));
            int length = (table[4] & 0xff) | (table[5] & 0xff) << 8 | (table[6] & 0xff) << 16;
            assertEquals(table.length, length);
        }
        assertEquals(276, tables.fadt().length, "ACPI 6 FADT");
    }

    @Test
    void in_guest_ram_the_rsdp_leads_through_the_xsdt_to_every_table() {
        try (GuestRam ram = GuestRam.allocate(64L << 20)) {
            long rsdp = tables.writeTo(ram);
            assertEquals("RSD PTR ", new String(ram.read(rsdp, 8), StandardCharsets.US_ASCII));
            long xsdt = ram.getLong(rsdp + 24);
            assertEquals("XSDT", signature(ram, xsdt));
            long fadt = ram.getLong(xsdt + 36);
            long madt = ram.getLong(xsdt + 44);
            assertEquals("FACP", signature(ram, fadt));
            assertEquals("APIC", signature(ram, madt));
            long dsdt = ram.getLong(fadt + 140);
            assertEquals(dsdt, Integer.toUnsignedLong(ram.getInt(fadt + 40)));
            assertEquals("DSDT", signature(ram, dsdt));
            assertTrue(ram.e820().stream().anyMatch(e -> e.type() != 1 && e.address() <= rsdp && dsdt < e.end()),
                "the tables lie in a reserved e820 range");
        }
    }

    private static String signature(GuestRam ram, long address) {
        return new String(ram.read(address, 4), StandardCharsets.US_ASCII);
    }

    @Test
    void iasl_disassembles_the_dsdt_with_com1_and_the_virtio_mmio_slots(@TempDir Path dir) throws Exception {
        HostTools.require("iasl", "acpica-tools");
        String dsl = flatten(disassemble(dir, "dsdt", tables.dsdt()));
        assertTrue(dsl.contains("Device (COM1) { Name (_HID, EisaId (\"PNP0501\")"), dsl);
        assertTrue(dsl.contains("IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08, ) IRQNoFlags () {4}"), dsl);
        assertTrue(dsl.contains("Device (VR00)") && dsl.contains("Device (VR03)") && !dsl.contains("VR01"), dsl);
        assertTrue(dsl.contains("Device (VR03) { Name (_HID, \"LNRO0005\") Name (_UID, 0x03)"), dsl);
        assertTrue(dsl.contains("Memory32Fixed (ReadWrite, 0xD0003000, 0x00000200, ) "
            + "Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive, ,, ) { 0x00000013, }"), dsl);
        assertTrue(dsl.contains("Name (\\_S5, Package (0x02) { 0x05, Zero })"), dsl);
    }

    @Test
    void iasl_reads_the_madt_as_two_enabled_local_apics_and_one_io_apic(@TempDir Path dir) throws Exception {
        HostTools.require("iasl", "acpica-tools");
        String dsl = flatten(disassemble(dir, "apic", tables.madt()));
        assertTrue(dsl.contains("Local Apic Address : FEE00000"), dsl);
        assertTrue(dsl.contains("Subtable Type : 00 [Processor Local APIC] Length : 08 Processor ID : 01 "
            + "Local Apic ID : 01 Flags (decoded below) : 00000001 Processor Enabled : 1"), dsl);
        assertEquals(2, Pattern.compile("\\[Processor Local APIC\\]").matcher(dsl).results().count(), dsl);
        assertTrue(dsl.contains("[I/O APIC] Length : 0C I/O Apic ID : 00 Reserved : 00 Address : FEC00000 Interrupt : 00000000"), dsl);
        assertTrue(dsl.contains("[Interrupt Source Override] Length : 0A Bus : 00 Source : 00 Interrupt : 00000002"), dsl);
        assertTrue(dsl.contains("[Local APIC NMI] Length : 06 Processor ID : FF"), dsl);
    }

    @Test
    void iasl_reads_the_fadt_as_hardware_reduced_with_reset_and_sleep_registers(@TempDir Path dir) throws Exception {
        HostTools.require("iasl", "acpica-tools");
        String dsl = flatten(disassemble(dir, "facp", tables.fadt()));
        assertTrue(dsl.contains("Hardware Reduced (V5) : 1"), dsl);
        assertTrue(dsl.contains("Reset Register Supported (V2) : 1"), dsl);
        assertTrue(dsl.contains("Reset Register : [Generic Address Structure] Space ID : 01 [SystemIO] Bit Width : 08 "
            + "Bit Offset : 00 Encoded Access Width : 01 [Byte Access:8] Address : 0000000000000602 Value to cause reset : 0F"), dsl);
        assertTrue(dsl.contains("Sleep Control Register : [Generic Address Structure] Space ID : 01 [SystemIO]"), dsl);
        assertTrue(dsl.contains("Address : 0000000000000600"), dsl);
        assertTrue(dsl.contains("RTC Century Index : 32"), dsl);
        assertTrue(dsl.contains("8042 Present on ports 60/64 (V2) : 0"), dsl);
    }

    /** iasl's listing without its offset columns and comments, on one line with single spaces. */
    private static String flatten(String dsl) {
        return dsl.replaceAll("(?m)^\\[[0-9A-F]+h [0-9]+ +[0-9]+\\]", "").replaceAll("//[^\n]*", "")
            .replaceAll("/\\*[^*]*\\*/", "").replaceAll("\\s+", " ");
    }

    private static String disassemble(Path dir, String name, byte[] table) throws Exception {
        Path file = dir.resolve(name + ".dat");
        Files.write(file, table);
        String output = HostTools.ok(dir, "iasl", "-d", file.toString());
        assertFalse(output.contains("Error"), output);
        return Files.readString(dir.resolve(name + ".dsl"));
    }
}
