package io.hvx.devices.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.boot.BootState;
import io.hvx.devices.bus.MmioDevice;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.irq.IrqLine;
import io.hvx.devices.power.MachineControl;
import io.hvx.devices.testing.TestGuestKit;
import io.hvx.devices.time.GuestClock;
import io.hvx.devices.x86.Layout;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The assembled machine, driven through its bus as a vCPU would. */
class MachineTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final List<String> power = new ArrayList<>();
    private final MachineControl control = new MachineControl() {
        @Override
        public void powerOff() {
            power.add("off");
        }

        @Override
        public void reset() {
            power.add("reset");
        }
    };

    private Machine machine(int vcpus) {
        return Machine.create(new MachineConfig(vcpus, 64L << 20, console::write, control, GuestClock.system()));
    }

    /** Programs an I/O APIC pin through the bus: IOREGSEL at +0, IOWIN at +0x10. */
    private static void route(Machine m, int pin, long entry) {
        m.bus().writeMmio(Layout.IOAPIC_BASE, 4, 0x11 + 2 * pin);
        m.bus().writeMmio(Layout.IOAPIC_BASE + 0x10, 4, entry >>> 32);
        m.bus().writeMmio(Layout.IOAPIC_BASE, 4, 0x10 + 2 * pin);
        m.bus().writeMmio(Layout.IOAPIC_BASE + 0x10, 4, entry & 0xffff_ffffL);
    }

    @Test
    void com1_output_reaches_the_console_and_its_input_interrupts_the_routed_vcpu() {
        try (Machine m = machine(2)) {
            for (byte b : "ok\n".getBytes(StandardCharsets.US_ASCII)) {
                m.bus().out(Layout.COM1_PORT, 1, b);
            }
            assertEquals("ok\n", console.toString(StandardCharsets.US_ASCII));
            m.apicWindow().bind(m.apic(1));
            m.bus().writeMmio(Layout.LAPIC_BASE + 0xf0, 4, 0x1ff); // this thread is vCPU 1: enable its APIC
            route(m, Layout.COM1_IRQ, (1L << 56) | 0x24);
            m.bus().out(Layout.COM1_PORT + 4, 1, 0x08); // OUT2
            m.bus().out(Layout.COM1_PORT + 1, 1, 0x01); // receive interrupt
            m.console().receive(new byte[] {'x'}, 0, 1);
            assertEquals(0x24, m.apic(1).acknowledgeInterrupt());
            assertFalse(m.apic(0).hasPendingInterrupt());
            assertEquals(1L << 24, m.bus().readMmio(Layout.LAPIC_BASE + 0x20, 4), "the window shows vCPU 1's APIC");
        }
    }

    @Test
    void acpi_power_off_and_reset_reach_the_vm() {
        try (Machine m = machine(1)) {
            m.bus().out(Layout.ACPI_SLEEP_CONTROL_PORT, 1, (Layout.ACPI_S5_SLEEP_TYPE << 2) | 0x20);
            m.bus().out(Layout.I8042_COMMAND_PORT, 1, 0xfe);
            assertEquals(List.of("off", "reset"), power);
        }
    }

    @Test
    void virtio_devices_get_consecutive_slots_with_level_interrupts_on_gsi_16_up() {
        try (Machine m = machine(1)) {
            long[] seen = new long[1];
            MmioDevice device = new MmioDevice() {
                @Override
                public long read(long offset, int size) {
                    return 0x74726976; // "virt"
                }

                @Override
                public void write(long offset, int size, long value) {
                    seen[0] = offset;
                }
            };
            m.attachVirtio(device);
            IrqLine second = m.attachVirtio(device);
            assertEquals(0x74726976L, m.bus().readMmio(Layout.VIRTIO_MMIO_BASE + 0x1000, 4));
            m.bus().writeMmio(Layout.VIRTIO_MMIO_BASE + 0x1050, 4, 1);
            assertEquals(0x50, seen[0], "the device sees offsets inside its slot");
            m.apicWindow().bind(m.apic(0));
            m.bus().writeMmio(Layout.LAPIC_BASE + 0xf0, 4, 0x1ff);
            route(m, 17, (1L << 15) | 0x41);
            second.set(true);
            assertEquals(0x41, m.apic(0).acknowledgeInterrupt());
            for (int i = 2; i < Layout.VIRTIO_SLOTS; i++) {
                m.attachVirtio(device);
            }
            assertThrows(IllegalStateException.class, () -> m.attachVirtio(device));
        }
    }

    @Test
    void the_guest_kit_boots_into_a_long_mode_state_with_acpi_describing_both_vcpus() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        try (Machine m = Machine.create(new MachineConfig(2, 256L << 20, console::write, control, GuestClock.system()))) {
            BootState state = m.boot(Files.readAllBytes(kit.kernel()), Files.readAllBytes(kit.initrd()), "console=ttyS0");
            assertEquals(0x100_0000L, state.rip(), "startup_64 of the host-decompressed vmlinux");
            long rsdp = m.ram().getLong(Layout.ZERO_PAGE + 0x70);
            long xsdt = m.ram().getLong(rsdp + 24);
            long madt = m.ram().getLong(xsdt + 44);
            int madtLength = m.ram().getInt(madt + 4);
            int localApics = 0;
            for (long at = madt + 44; at < madt + madtLength; at += m.ram().read(at + 1, 1)[0]) {
                if (m.ram().read(at, 1)[0] == 0) {
                    localApics++;
                }
            }
            assertEquals(2, localApics);
            assertTrue(state.cr3() == Layout.BOOT_PML4);
        }
    }
}
