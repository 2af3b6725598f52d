package io.hvx.devices.power;

import io.hvx.devices.bus.PortDevice;
import io.hvx.devices.x86.Layout;

/**
 * The i8042 keyboard controller, reduced to what Linux's fallback reboot uses: an idle status and
 * the 0xFE command that pulses the CPU reset line. No keyboard or mouse is attached.
 */
public final class I8042 implements PortDevice {

    private static final int PULSE_RESET = 0xfe;

    private final MachineControl machine;

    public I8042(MachineControl machine) {
        this.machine = machine;
    }

    @Override
    public int in(int port, int size) {
        // status: output buffer empty, input buffer empty (so writers never wait); data: nothing
        return 0;
    }

    @Override
    public void out(int port, int size, int value) {
        if (port == Layout.I8042_COMMAND_PORT && (value & 0xff) == PULSE_RESET) {
            machine.reset();
        }
    }
}
