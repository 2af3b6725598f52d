package io.hvx.devices.acpi;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.rtc.CmosRtc;
import io.hvx.devices.x86.Layout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The ACPI tables that describe the hvx machine to the guest: RSDP -> XSDT -> (FADT -> DSDT, MADT).
 *
 * <p>The FADT is hardware-reduced (no PM timer, no SCI, no legacy PIC) with hvx's sleep control and
 * reset registers; the MADT lists one local APIC per vCPU and the I/O APIC; the DSDT describes COM1
 * and the occupied virtio-mmio slots, which is how Linux finds virtio-mmio devices (Debian's kernel
 * has no virtio_mmio command-line devices).
 */
public record AcpiTables(byte[] rsdp, byte[] xsdt, byte[] fadt, byte[] madt, byte[] dsdt) {

    /** Size of one virtio-mmio register window as described to the guest (the slot is larger). */
    public static final int VIRTIO_MMIO_WINDOW = 0x200;

    /** Builds the tables for {@code vcpus} vCPUs (APIC IDs 0..n-1) and the given occupied virtio-mmio slots. */
    public static AcpiTables build(int vcpus, List<Integer> virtioSlots) {
        if (vcpus < 1 || vcpus > 254) {
            throw new IllegalArgumentException("%d vCPUs: the machine supports 1 to 254".formatted(vcpus));
        }
        for (int slot : virtioSlots) {
            if (slot < 0 || slot >= Layout.VIRTIO_SLOTS) {
                throw new IllegalArgumentException("virtio-mmio slot %d is outside 0..%d".formatted(slot, Layout.VIRTIO_SLOTS - 1));
            }
        }
        long base = Layout.ACPI_TABLES;
        long xsdtAt = base + 64;
        byte[] dsdt = dsdt(virtioSlots);
        byte[] madt = madt(vcpus);
        long madtAt = align(xsdtAt + SdtWriter.HEADER + 16);
        long fadtAt = align(madtAt + madt.length);
        long dsdtAt = align(fadtAt + 276);
        byte[] fadt = fadt(dsdtAt);
        byte[] xsdt = xsdt(fadtAt, madtAt);
        byte[] rsdp = rsdp(xsdtAt);
        if (dsdtAt + dsdt.length > base + Layout.ACPI_TABLES_MAX) {
            throw new IllegalStateException("ACPI tables do not fit the %d KiB reserved for them".formatted(Layout.ACPI_TABLES_MAX >> 10));
        }
        return new AcpiTables(rsdp, xsdt, fadt, madt, dsdt);
    }

    /** Writes the tables to their fixed places in guest RAM and returns the RSDP's address. */
    public long writeTo(GuestRam ram) {
        long base = Layout.ACPI_TABLES;
        long xsdtAt = base + 64;
        long madtAt = align(xsdtAt + xsdt.length);
        long fadtAt = align(madtAt + madt.length);
        long dsdtAt = align(fadtAt + fadt.length);
        ram.write(base, rsdp);
        ram.write(xsdtAt, xsdt);
        ram.write(madtAt, madt);
        ram.write(fadtAt, fadt);
        ram.write(dsdtAt, dsdt);
        return base;
    }

    private static long align(long address) {
        return (address + 15) & ~15L;
    }

    private static byte[] rsdp(long xsdtAt) {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RSD PTR ".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 0);
        b.put(SdtWriter.OEM_ID.getBytes(StandardCharsets.US_ASCII));
        b.put((byte) 2); // ACPI 2.0+: use the XSDT
        b.putInt(0); // no RSDT
        b.putInt(36);
        b.putLong(xsdtAt);
        b.put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        byte[] bytes = b.array();
        bytes[8] = SdtWriter.checksum(bytes, 0, 20);
        bytes[32] = SdtWriter.checksum(bytes, 0, 36);
        return bytes;
    }

    private static byte[] xsdt(long fadtAt, long madtAt) {
        SdtWriter w = new SdtWriter("XSDT", 1, 64);
        w.body().putLong(fadtAt).putLong(madtAt);
        return w.finish();
    }

    private static byte[] fadt(long dsdtAt) {
        SdtWriter w = new SdtWriter("FACP", 6, 276);
        ByteBuffer b = w.body();
        b.putInt(40, (int) dsdtAt);
        b.put(108, (byte) CmosRtc.CENTURY);
        // IAPC_BOOT_ARCH: no VGA, no MSI (there is no PCI), no i8042 to probe; the CMOS RTC is present
        b.putShort(109, (short) ((1 << 2) | (1 << 3)));
        int flags = 1 /* WBINVD */ | (1 << 4) /* no fixed power button */ | (1 << 5) /* no fixed sleep button */
            | (1 << 10) /* reset register supported */ | (1 << 20) /* hardware-reduced ACPI */;
        b.putInt(112, flags);
        b.position(116);
        SdtWriter.ioPortAddress(b, Layout.ACPI_RESET_PORT);
        b.put(128, (byte) Layout.ACPI_RESET_VALUE);
        b.put(131, (byte) 5); // FADT minor version: ACPI 6.5
        b.putLong(140, dsdtAt);
        b.position(244);
        SdtWriter.ioPortAddress(b, Layout.ACPI_SLEEP_CONTROL_PORT);
        SdtWriter.ioPortAddress(b, Layout.ACPI_SLEEP_STATUS_PORT);
        b.put("HVX     ".getBytes(StandardCharsets.US_ASCII));
        return w.finish();
    }

    private static byte[] madt(int vcpus) {
        SdtWriter w = new SdtWriter("APIC", 5, SdtWriter.HEADER + 8 + vcpus * 8 + 12 + 10 + 6);
        ByteBuffer b = w.body();
        b.putInt((int) Layout.LAPIC_BASE);
        b.putInt(0); // no dual 8259 PICs
        for (int cpu = 0; cpu < vcpus; cpu++) {
            b.put((byte) 0).put((byte) 8).put((byte) cpu).put((byte) cpu).putInt(1); // processor local APIC, enabled
        }
        b.put((byte) 1).put((byte) 12).put((byte) 0).put((byte) 0).putInt((int) Layout.IOAPIC_BASE).putInt(0);
        // ISA IRQ 0 (the timer, by PC convention) arrives on GSI 2; other ISA IRQs map 1:1, edge, active high
        b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(2).putShort((short) 0);
        // LINT1 of every processor is the NMI input
        b.put((byte) 4).put((byte) 6).put((byte) 0xff).putShort((short) 0).put((byte) 1);
        return w.finish();
    }

    private static byte[] dsdt(List<Integer> virtioSlots) {
        byte[][] devices = new byte[1 + virtioSlots.size()][];
        devices[0] = Aml.device("COM1",
            Aml.name("_HID", Aml.eisaId("PNP0501")),
            Aml.name("_UID", Aml.integer(1)),
            Aml.name("_CRS", Aml.resourceTemplate(Aml.ioPorts(Layout.COM1_PORT, 8), Aml.isaIrq(Layout.COM1_IRQ))));
        int i = 1;
        for (int slot : virtioSlots) {
            devices[i++] = Aml.device("VR%02d".formatted(slot),
                Aml.name("_HID", Aml.string("LNRO0005")),
                Aml.name("_UID", Aml.integer(slot)),
                Aml.name("_CCA", Aml.integer(1)),
                Aml.name("_CRS", Aml.resourceTemplate(
                    Aml.memory32Fixed(Layout.virtioSlotBase(slot), VIRTIO_MMIO_WINDOW),
                    Aml.extendedInterrupt(Layout.virtioSlotGsi(slot), true))));
        }
        byte[] scope = Aml.scope("\\_SB", devices);
        byte[] s5 = Aml.name("\\_S5", Aml.pack(Aml.integer(Layout.ACPI_S5_SLEEP_TYPE), Aml.integer(0)));
        SdtWriter w = new SdtWriter("DSDT", 2, SdtWriter.HEADER + scope.length + s5.length);
        w.body().put(scope).put(s5);
        return w.finish();
    }
}
