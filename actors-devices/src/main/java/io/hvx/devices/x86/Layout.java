package io.hvx.devices.x86;

/**
 * Every guest-physical address and interrupt number of the hvx machine, in one place.
 *
 * <p>The machine is microvm-like: RAM from 0, a 1 GiB hole below 4 GiB for MMIO (virtio-mmio slots,
 * I/O APIC, local APICs), RAM beyond 3 GiB continues at 4 GiB. The low megabyte holds what the
 * direct Linux boot needs, at fixed places, so nothing there is allocated at run time.
 */
public final class Layout {

    private Layout() {
    }

    /** The flat GDT the boot state points at. */
    public static final long BOOT_GDT = 0x500;
    /** The zero page (Linux boot_params). */
    public static final long ZERO_PAGE = 0x7000;
    /** The initial stack pointer of the boot vCPU (grows down from here). */
    public static final long BOOT_STACK_TOP = 0x8ff0;
    /** The boot page tables: PML4, one PDPT, then four page directories mapping 4 GiB with 2 MiB pages. */
    public static final long BOOT_PML4 = 0x9000;
    public static final long BOOT_PDPT = 0xa000;
    public static final long BOOT_PD = 0xb000;
    public static final int BOOT_PD_COUNT = 4;
    /** The kernel command line, up to {@link #CMDLINE_MAX} bytes including the terminating zero. */
    public static final long CMDLINE = 0x20000;
    public static final int CMDLINE_MAX = 0x10000;
    /** Where usable low RAM stops: the conventional start of the EBDA. */
    public static final long EBDA_START = 0x9fc00;
    /** The BIOS area, reserved in e820; hvx's ACPI tables live at its start (RSDP first). */
    public static final long BIOS_AREA = 0xe0000;
    public static final long ACPI_TABLES = BIOS_AREA;
    public static final long ACPI_TABLES_MAX = 0x20000;
    /** RAM from here on is where the kernel and initramfs go. */
    public static final long HIGH_MEMORY = 0x100000;

    /** The 32-bit MMIO hole: [MMIO_HOLE_START, 4 GiB); RAM beyond it continues at {@link #RAM_ABOVE_4G}. */
    public static final long MMIO_HOLE_START = 0xc000_0000L;
    public static final long RAM_ABOVE_4G = 0x1_0000_0000L;

    /** virtio-mmio slots: {@link #VIRTIO_SLOTS} windows of {@link #VIRTIO_SLOT_SIZE} bytes from here. */
    public static final long VIRTIO_MMIO_BASE = 0xd000_0000L;
    public static final long VIRTIO_SLOT_SIZE = 0x1000;
    public static final int VIRTIO_SLOTS = 8;
    /** The first GSI of the virtio-mmio slots (slot n uses GSI VIRTIO_GSI_BASE + n, level-triggered). */
    public static final int VIRTIO_GSI_BASE = 16;

    public static final long IOAPIC_BASE = 0xfec0_0000L;
    public static final long IOAPIC_SIZE = 0x1000;
    public static final int IOAPIC_PINS = 24;
    public static final long LAPIC_BASE = 0xfee0_0000L;
    public static final long LAPIC_SIZE = 0x1000;

    /** COM1: the console. */
    public static final int COM1_PORT = 0x3f8;
    public static final int COM1_IRQ = 4;
    /** CMOS RTC index/data ports and its ISA IRQ. */
    public static final int RTC_PORT = 0x70;
    public static final int RTC_IRQ = 8;
    /** The i8042 controller's ports (only its CPU-reset command is modelled). */
    public static final int I8042_DATA_PORT = 0x60;
    public static final int I8042_COMMAND_PORT = 0x64;
    /** POST code port, also Linux's I/O delay port. */
    public static final int POST_PORT = 0x80;
    /** The ACPI hardware-reduced sleep control, sleep status and reset registers (one byte each). */
    public static final int ACPI_SLEEP_CONTROL_PORT = 0x600;
    public static final int ACPI_SLEEP_STATUS_PORT = 0x601;
    public static final int ACPI_RESET_PORT = 0x602;
    public static final int ACPI_RESET_VALUE = 0x0f;
    /** The _S5 sleep type value the DSDT announces and the sleep control register recognises. */
    public static final int ACPI_S5_SLEEP_TYPE = 5;

    /** Guest-physical address of virtio-mmio slot {@code slot}. */
    public static long virtioSlotBase(int slot) {
        return VIRTIO_MMIO_BASE + slot * VIRTIO_SLOT_SIZE;
    }

    /** GSI of virtio-mmio slot {@code slot}. */
    public static int virtioSlotGsi(int slot) {
        return VIRTIO_GSI_BASE + slot;
    }
}
