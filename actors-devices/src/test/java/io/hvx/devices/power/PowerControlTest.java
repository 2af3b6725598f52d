package io.hvx.devices.power;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.devices.bus.IoBus;
import io.hvx.devices.x86.Layout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PowerControlTest {

    private final List<String> events = new ArrayList<>();
    private final MachineControl machine = new MachineControl() {
        @Override
        public void powerOff() {
            events.add("off");
        }

        @Override
        public void reset() {
            events.add("reset");
        }
    };

    @Test
    void sleep_type_five_with_sleep_enable_powers_off_as_linux_writes_it() {
        IoBus bus = new IoBus();
        bus.registerPorts(Layout.ACPI_SLEEP_CONTROL_PORT, 3, new AcpiPowerControl(machine));
        bus.out(Layout.ACPI_SLEEP_CONTROL_PORT, 1, 5 << 2); // type without SLP_EN: nothing
        assertEquals(List.of(), events);
        // Linux's acpi_hw_extended_sleep: (SLP_TYP << 2) | SLP_EN (bit 5)
        bus.out(Layout.ACPI_SLEEP_CONTROL_PORT, 1, (5 << 2) | 0x20);
        bus.out(Layout.ACPI_RESET_PORT, 1, 0x01);
        bus.out(Layout.ACPI_RESET_PORT, 1, Layout.ACPI_RESET_VALUE);
        assertEquals(List.of("off", "reset"), events);
        assertEquals(0, bus.in(Layout.ACPI_SLEEP_STATUS_PORT, 1));
    }

    @Test
    void the_i8042_reset_pulse_resets_the_machine() {
        IoBus bus = new IoBus();
        I8042 i8042 = new I8042(machine);
        bus.registerPorts(Layout.I8042_DATA_PORT, 1, i8042);
        bus.registerPorts(Layout.I8042_COMMAND_PORT, 1, i8042);
        assertEquals(0, bus.in(Layout.I8042_COMMAND_PORT, 1) & 0x02, "input buffer empty: writers need not wait");
        bus.out(Layout.I8042_COMMAND_PORT, 1, 0xfe);
        assertEquals(List.of("reset"), events);
    }

    @Test
    void post_codes_are_swallowed_and_remembered() {
        PostCodePort port = new PostCodePort();
        port.out(0x80, 1, 0x1234);
        assertEquals(0x34, port.lastCode());
    }
}
