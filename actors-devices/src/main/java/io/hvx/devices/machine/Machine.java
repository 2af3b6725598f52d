package io.hvx.devices.machine;

import io.hvx.devices.acpi.AcpiTables;
import io.hvx.devices.boot.BootState;
import io.hvx.devices.boot.BzImage;
import io.hvx.devices.boot.KernelImageException;
import io.hvx.devices.boot.LinuxLoader;
import io.hvx.devices.bus.IoBus;
import io.hvx.devices.bus.MmioDevice;
import io.hvx.devices.irq.ApicBus;
import io.hvx.devices.irq.IoApic;
import io.hvx.devices.irq.IrqLine;
import io.hvx.devices.irq.LocalApic;
import io.hvx.devices.irq.LocalApicWindow;
import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.power.AcpiPowerControl;
import io.hvx.devices.power.I8042;
import io.hvx.devices.power.PostCodePort;
import io.hvx.devices.rtc.CmosRtc;
import io.hvx.devices.serial.Uart16550;
import io.hvx.devices.time.GuestClock;
import io.hvx.devices.virtio.VirtioDevice;
import io.hvx.devices.virtio.VirtioMmio;
import io.hvx.devices.x86.Layout;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One assembled hvx machine, built in one straight sequence: RAM, interrupt controllers, legacy
 * devices on the bus, then (per VM) virtio-mmio devices in slots and the boot. Only this class hands
 * out addresses and interrupt lines; a device never picks its own.
 */
public final class Machine implements AutoCloseable {

    private final MachineConfig config;
    private final GuestRam ram;
    private final IoBus bus = new IoBus();
    private final ApicBus apicBus = new ApicBus();
    private final LocalApic[] apics;
    private final LocalApicWindow apicWindow = new LocalApicWindow();
    private final IoApic ioApic;
    private final Uart16550 console;
    private final List<Integer> virtioSlots = new ArrayList<>();
    private final List<VirtioMmio> transports = new ArrayList<>();

    private Machine(MachineConfig config) {
        this.config = config;
        this.ram = GuestRam.allocate(config.memoryBytes());
        GuestClock clock = config.clock();
        apics = new LocalApic[config.vcpus()];
        for (int cpu = 0; cpu < apics.length; cpu++) {
            apics[cpu] = new LocalApic(cpu, apicBus, clock);
        }
        ioApic = new IoApic(Layout.IOAPIC_PINS, apicBus);
        bus.registerMmio(Layout.LAPIC_BASE, Layout.LAPIC_SIZE, apicWindow);
        bus.registerMmio(Layout.IOAPIC_BASE, Layout.IOAPIC_SIZE, ioApic);
        console = new Uart16550(Layout.COM1_PORT, ioApic.line(Layout.COM1_IRQ), config.console());
        bus.registerPorts(Layout.COM1_PORT, 8, console);
        bus.registerPorts(Layout.RTC_PORT, 2, new CmosRtc(Layout.RTC_PORT, Clock.systemUTC()));
        bus.registerPorts(Layout.POST_PORT, 1, new PostCodePort());
        I8042 i8042 = new I8042(config.control());
        bus.registerPorts(Layout.I8042_DATA_PORT, 1, i8042);
        bus.registerPorts(Layout.I8042_COMMAND_PORT, 1, i8042);
        bus.registerPorts(Layout.ACPI_SLEEP_CONTROL_PORT, 3, new AcpiPowerControl(config.control()));
    }

    /** Allocates RAM and assembles the devices; nothing runs yet. */
    public static Machine create(MachineConfig config) {
        return new Machine(config);
    }

    /** Puts {@code device} in the next free virtio-mmio slot and returns the slot's interrupt line (level). */
    public IrqLine attachVirtio(MmioDevice device) {
        int slot = virtioSlots.size();
        if (slot == Layout.VIRTIO_SLOTS) {
            throw new IllegalStateException("all %d virtio-mmio slots are taken".formatted(Layout.VIRTIO_SLOTS));
        }
        bus.registerMmio(Layout.virtioSlotBase(slot), Layout.VIRTIO_SLOT_SIZE, device);
        virtioSlots.add(slot);
        return ioApic.line(Layout.virtioSlotGsi(slot));
    }

    /**
     * Puts virtio {@code device} behind a virtio-mmio transport in the next free slot, wired to the slot's
     * interrupt line; the machine closes it. Attach every device before {@link #boot}, which announces the slots.
     */
    public VirtioMmio attachVirtio(VirtioDevice device) {
        if (virtioSlots.size() == Layout.VIRTIO_SLOTS) {
            throw new IllegalStateException("all %d virtio-mmio slots are taken".formatted(Layout.VIRTIO_SLOTS));
        }
        VirtioMmio transport = new VirtioMmio(device, ioApic.line(Layout.virtioSlotGsi(virtioSlots.size())), ram);
        attachVirtio((MmioDevice) transport);
        transports.add(transport);
        return transport;
    }

    /** Writes the ACPI tables, loads the kernel, initramfs and command line, and returns the boot vCPU's state. */
    public BootState boot(byte[] kernel, byte[] initrd, String cmdline) throws KernelImageException {
        return boot(kernel, initrd, cmdline, true);
    }

    /** As {@link #boot(byte[], byte[], String)}; {@code decompressOnHost} false enters the bzImage's own decompressor. */
    public BootState boot(byte[] kernel, byte[] initrd, String cmdline, boolean decompressOnHost)
            throws KernelImageException {
        long rsdp = AcpiTables.build(config.vcpus(), virtioSlots).writeTo(ram);
        return LinuxLoader.load(ram, BzImage.parse(kernel), initrd, cmdline, rsdp, decompressOnHost);
    }

    public GuestRam ram() {
        return ram;
    }

    public IoBus bus() {
        return bus;
    }

    /** The local APIC of vCPU {@code index} (the vCPU's {@code InterruptSource}). */
    public LocalApic apic(int index) {
        return apics[index];
    }

    /** The shared xAPIC page on the bus; each vCPU thread binds its own APIC to it. */
    public LocalApicWindow apicWindow() {
        return apicWindow;
    }

    public IoApic ioApic() {
        return ioApic;
    }

    /** COM1: feed host input with {@code receive}. */
    public Uart16550 console() {
        return console;
    }

    public GuestClock clock() {
        return config.clock();
    }

    public int vcpus() {
        return apics.length;
    }

    @Override
    public void close() {
        // device threads stop before the RAM they use goes away
        for (VirtioMmio transport : transports) {
            transport.close();
        }
        ram.close();
    }
}
