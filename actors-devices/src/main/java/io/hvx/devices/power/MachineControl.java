package io.hvx.devices.power;

/** What the guest can ask of the machine as a whole; the VM that owns the devices implements it. */
public interface MachineControl {

    /** The guest asked to power off (ACPI S5, e.g. after {@code poweroff -f}). */
    void powerOff();

    /** The guest asked for a reset (ACPI reset register or the i8042 pulse). */
    void reset();
}
