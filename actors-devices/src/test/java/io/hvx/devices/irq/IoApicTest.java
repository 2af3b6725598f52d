package io.hvx.devices.irq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.time.GuestClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IoApicTest {

    private final GuestClock clock = new GuestClock(new ManualTime(), 1_000_000_000L, 25_000_000L);
    private final ApicBus bus = new ApicBus();
    private final LocalApic cpu0 = new LocalApic(0, bus, clock);
    private final LocalApic cpu1 = new LocalApic(1, bus, clock);
    private final IoApic ioapic = new IoApic(24, bus);

    @BeforeEach
    void enableApics() {
        cpu0.write(LocalApic.REG_SVR, 4, 0x1ff);
        cpu1.write(LocalApic.REG_SVR, 4, 0x1ff);
    }

    private long readRegister(int index) {
        ioapic.write(IoApic.IOREGSEL, 4, index);
        return ioapic.read(IoApic.IOWIN, 4);
    }

    private void program(int pin, long entry) {
        ioapic.write(IoApic.IOREGSEL, 4, 0x11 + 2 * pin);
        ioapic.write(IoApic.IOWIN, 4, entry >>> 32);
        ioapic.write(IoApic.IOREGSEL, 4, 0x10 + 2 * pin);
        ioapic.write(IoApic.IOWIN, 4, entry & 0xffff_ffffL);
    }

    @Test
    void version_register_announces_24_pins() {
        assertEquals(0x0017_0020L, readRegister(1));
        assertEquals(0x10000L, readRegister(0x10), "pins start masked");
    }

    @Test
    void an_edge_pin_delivers_its_vector_to_the_destination_apic() {
        program(4, (1L << 56) | 0x24);
        ioapic.line(4).pulse();
        assertFalse(cpu0.hasPendingInterrupt());
        assertEquals(0x24, cpu1.acknowledgeInterrupt());
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        ioapic.line(4).set(true);
        ioapic.line(4).set(true);
        assertEquals(0x24, cpu1.acknowledgeInterrupt(), "a rising edge");
        cpu1.write(LocalApic.REG_EOI, 4, 0);
        assertFalse(cpu1.hasPendingInterrupt(), "holding the line high is not another edge");
    }

    @Test
    void a_masked_pin_delivers_nothing() {
        program(4, IoApic.MASKED | 0x24);
        ioapic.line(4).pulse();
        assertFalse(cpu0.hasPendingInterrupt());
    }

    @Test
    void a_level_pin_waits_for_eoi_and_redelivers_while_still_asserted() {
        program(16, IoApic.LEVEL | 0x30);
        ioapic.line(16).set(true);
        assertEquals(0x30, cpu0.acknowledgeInterrupt());
        assertTrue((ioapic.redirectionEntry(16) & IoApic.REMOTE_IRR) != 0, "remote IRR set until EOI");
        ioapic.line(16).set(true);
        assertFalse(cpu0.hasPendingInterrupt(), "no second message while remote IRR is set");
        cpu0.write(LocalApic.REG_EOI, 4, 0); // level vector: broadcast EOI to the I/O APIC
        assertEquals(0x30, cpu0.acknowledgeInterrupt(), "still asserted: delivered again");
        ioapic.line(16).set(false);
        cpu0.write(LocalApic.REG_EOI, 4, 0);
        assertFalse(cpu0.hasPendingInterrupt());
        assertEquals(0, ioapic.redirectionEntry(16) & IoApic.REMOTE_IRR);
    }

    @Test
    void unmasking_an_asserted_level_pin_delivers_it() {
        program(17, IoApic.MASKED | IoApic.LEVEL | 0x31);
        ioapic.line(17).set(true);
        assertFalse(cpu0.hasPendingInterrupt());
        program(17, IoApic.LEVEL | 0x31);
        assertEquals(0x31, cpu0.acknowledgeInterrupt());
    }

    @Test
    void the_eoi_register_clears_remote_irr_directly() {
        program(18, IoApic.LEVEL | 0x32);
        ioapic.line(18).set(true);
        assertEquals(0x32, cpu0.acknowledgeInterrupt());
        ioapic.line(18).set(false);
        ioapic.write(IoApic.EOI, 4, 0x32);
        assertEquals(0, ioapic.redirectionEntry(18) & IoApic.REMOTE_IRR);
    }

    @Test
    void logical_destinations_route_through_the_apics_logical_ids() {
        cpu1.write(LocalApic.REG_LDR, 4, 0x02L << 24);
        program(5, (0x02L << 56) | IoApic.LOGICAL | 0x25);
        ioapic.line(5).pulse();
        assertEquals(0x25, cpu1.acknowledgeInterrupt());
        assertFalse(cpu0.hasPendingInterrupt());
    }
}
