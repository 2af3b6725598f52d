package io.hvx.devices.machine;

import io.hvx.devices.virtio.VirtioDevice;

/** Makes one virtio device for a machine being assembled (it gets the machine's RAM from it). */
@FunctionalInterface
public interface DeviceFactory {

    VirtioDevice create(Machine machine);
}
