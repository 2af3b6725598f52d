package io.hvx.devices.power;

import io.hvx.devices.bus.PortDevice;
import io.hvx.devices.x86.Layout;

/**
 * The hardware-reduced ACPI registers the FADT points at: sleep control (S5 ends the VM), sleep status,
 * and the reset register.
 */
public final class AcpiPowerControl implements PortDevice {

    private static final int SLP_EN = 1 << 5;

    private final MachineControl machine;

    public AcpiPowerControl(MachineControl machine) {
        this.machine = machine;
    }

    @Override
    public int in(int port, int size) {
        // sleep status (and everything else) reads zero: no wake event is ever pending
        return 0;
    }

    @Override
    public void out(int port, int size, int value) {
        if (port == Layout.ACPI_SLEEP_CONTROL_PORT) {
            int sleepType = (value >>> 2) & 7;
            if ((value & SLP_EN) != 0 && sleepType == Layout.ACPI_S5_SLEEP_TYPE) {
                machine.powerOff();
            }
        } else if (port == Layout.ACPI_RESET_PORT && (value & 0xff) == Layout.ACPI_RESET_VALUE) {
            machine.reset();
        }
    }
}
