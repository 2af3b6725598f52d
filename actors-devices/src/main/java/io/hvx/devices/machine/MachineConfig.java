package io.hvx.devices.machine;

import io.hvx.devices.power.MachineControl;
import io.hvx.devices.serial.ByteSink;
import io.hvx.devices.time.GuestClock;

/** What one hvx machine is made of: vCPU count, RAM, the console's byte sink, power events and the clock. */
public record MachineConfig(int vcpus, long memoryBytes, ByteSink console, MachineControl control, GuestClock clock) {

    public MachineConfig {
        if (vcpus < 1 || vcpus > 254) {
            throw new IllegalArgumentException("%d vCPUs: the machine supports 1 to 254".formatted(vcpus));
        }
    }
}
