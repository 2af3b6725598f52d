package io.hvx.cpu.vm;

import io.hvx.devices.machine.DeviceFactory;
import java.util.List;

/**
 * What a {@link VirtualMachine} boots: vCPUs, RAM, a bzImage, an optional initramfs and the command line; with
 * {@code decompressOnHost} the kernel's payload is unpacked by hvx instead of by the guest; {@code devices} make
 * the virtio devices, one virtio-mmio slot each in list order.
 */
public record VmConfig(int vcpus, long memoryBytes, byte[] kernel, byte[] initrd, String cmdline,
        boolean decompressOnHost, List<DeviceFactory> devices) {

    /** A VM without virtio devices. */
    public VmConfig(int vcpus, long memoryBytes, byte[] kernel, byte[] initrd, String cmdline,
            boolean decompressOnHost) {
        this(vcpus, memoryBytes, kernel, initrd, cmdline, decompressOnHost, List.of());
    }

    /** The most RAM a VM has: {@code PhysicalMemory} maps RAM contiguously from 0, so it must end below the hole. */
    public static final long MAX_MEMORY = 3L << 30;

    public VmConfig {
        if (memoryBytes > MAX_MEMORY) {
            throw new IllegalArgumentException("%d MiB of RAM: hvx VMs have at most %d MiB for now"
                    .formatted(memoryBytes >> 20, MAX_MEMORY >> 20));
        }
        if (kernel == null) {
            throw new IllegalArgumentException("a VM needs a kernel");
        }
        devices = List.copyOf(devices);
    }
}
