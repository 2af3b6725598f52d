package io.hvx.devices.boot;

import io.hvx.devices.memory.E820Entry;
import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.x86.Layout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Loads a bzImage for the Linux x86 64-bit boot protocol without a BIOS: the protected-mode kernel at
 * its preferred address, the initramfs high in low RAM, the command line, the zero page (boot_params
 * with the e820 map and the ACPI RSDP address), a flat GDT and identity-mapped page tables.
 */
public final class LinuxLoader {

    /** 64-bit code, flat: base 0, limit 4 GiB, present, DPL 0, execute/read, L=1. */
    public static final long CODE64_DESCRIPTOR = 0x00af_9b00_0000_ffffL;
    /** Data, flat: base 0, limit 4 GiB, present, DPL 0, read/write, 32-bit, 4 KiB granularity. */
    public static final long DATA_DESCRIPTOR = 0x00cf_9300_0000_ffffL;
    /** A busy 64-bit TSS at address 0 with limit 0x67; its upper half (base 63:32) is zero. */
    public static final long TSS_DESCRIPTOR = 0x0000_8b00_0000_0067L;
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;

    static final int ZP_ACPI_RSDP = 0x070;
    static final int ZP_EXT_RAMDISK_IMAGE = 0x0c0;
    static final int ZP_EXT_RAMDISK_SIZE = 0x0c4;
    static final int ZP_EXT_CMD_LINE_PTR = 0x0c8;
    static final int ZP_E820_ENTRIES = 0x1e8;
    static final int ZP_VID_MODE = 0x1fa;
    static final int ZP_CODE32_START = 0x214;
    static final int ZP_E820_TABLE = 0x2d0;
    static final int E820_MAX = 128;
    static final long DEFAULT_LOAD_ADDRESS = 0x100_0000L;
    static final long DEFAULT_INITRD_MAX = 0x37ff_ffffL;

    private LinuxLoader() {
    }

    /**
     * Writes everything the kernel needs into {@code ram} and returns the boot vCPU's state.
     *
     * @param initrd the initramfs, or null for none
     * @param rsdp   the guest address of the ACPI RSDP, or 0 when there are no ACPI tables
     */
    public static BootState load(GuestRam ram, BzImage kernel, byte[] initrd, String cmdline, long rsdp)
            throws KernelImageException {
        return load(ram, kernel, initrd, cmdline, rsdp, true);
    }

    /**
     * As {@link #load(GuestRam, BzImage, byte[], String, long)}; with {@code decompressOnHost} the kernel's payload
     * is decompressed here and its vmlinux entered at {@code startup_64} (see {@link KernelPayload}), unless the
     * payload's format is unknown or the vmlinux is not linked at the load address, when the bzImage is entered.
     */
    public static BootState load(GuestRam ram, BzImage kernel, byte[] initrd, String cmdline, long rsdp,
                                 boolean decompressOnHost) throws KernelImageException {
        long loadAddress = loadAddress(kernel);
        ElfKernel vmlinux = null;
        if (decompressOnHost) {
            byte[] elf = KernelPayload.vmlinux(kernel).orElse(null);
            if (elf != null) {
                ElfKernel parsed = ElfKernel.parse(elf);
                // a vmlinux linked elsewhere would need the decompressor's relocation pass
                if (parsed.start() == loadAddress) {
                    vmlinux = parsed;
                }
            }
        }
        long footprint = Math.max(kernel.initSize(), kernel.kernelLength());
        if (vmlinux != null) {
            footprint = Math.max(footprint, vmlinux.end() - loadAddress);
        }
        if (loadAddress + footprint > ram.lowEnd()) {
            throw new KernelImageException("the kernel needs %d MiB from 0x%x, more than the VM's %d MiB of RAM"
                .formatted((footprint + (1 << 20) - 1) >> 20, loadAddress, ram.size() >> 20));
        }
        byte[] commandLine = (cmdline == null ? "" : cmdline).getBytes(StandardCharsets.US_ASCII);
        int maxCommandLine = Math.min(Math.max(kernel.cmdlineSize(), 255), Layout.CMDLINE_MAX - 1);
        if (commandLine.length > maxCommandLine) {
            throw new KernelImageException("the command line has %d bytes; this kernel accepts at most %d"
                .formatted(commandLine.length, maxCommandLine));
        }
        long initrdAddress = 0;
        if (initrd != null && initrd.length > 0) {
            long max = Math.min(kernel.initrdAddressMax() == 0 ? DEFAULT_INITRD_MAX : kernel.initrdAddressMax(),
                ram.lowEnd() - 1);
            initrdAddress = (max + 1 - initrd.length) & ~0xfffL;
            if (initrdAddress < loadAddress + footprint) {
                throw new KernelImageException("the initramfs (%d MiB) does not fit in RAM beside the kernel; give the VM more memory"
                    .formatted((initrd.length + (1 << 20) - 1) >> 20));
            }
            ram.write(initrdAddress, initrd);
        }
        long entry = loadAddress + 0x200;
        if (vmlinux == null) {
            ram.write(loadAddress, kernel.image(), kernel.kernelOffset(), kernel.kernelLength());
        } else {
            for (ElfKernel.Segment segment : vmlinux.segments()) {
                ram.write(segment.physical(), vmlinux.file(), segment.offset(), segment.fileSize());
                long tail = segment.memorySize() - segment.fileSize();
                if (tail > 0) {
                    ram.slice(segment.physical() + segment.fileSize(), tail).fill((byte) 0);
                }
            }
            entry = vmlinux.entry();
        }
        ram.write(Layout.CMDLINE, commandLine);
        ram.write(Layout.CMDLINE + commandLine.length, new byte[1]);
        writeZeroPage(ram, kernel, loadAddress, initrdAddress, initrd == null ? 0 : initrd.length, rsdp);
        writeGdt(ram);
        writePageTables(ram);
        return new BootState(entry, Layout.ZERO_PAGE, Layout.BOOT_STACK_TOP, 0x2,
            BootState.CR0_PE | BootState.CR0_ET | BootState.CR0_PG, Layout.BOOT_PML4, BootState.CR4_PAE,
            BootState.EFER_LME | BootState.EFER_LMA, Layout.BOOT_GDT, 6 * 8 - 1, CODE_SELECTOR, DATA_SELECTOR,
            TSS_SELECTOR, CODE64_DESCRIPTOR, DATA_DESCRIPTOR, TSS_DESCRIPTOR);
    }

    private static long loadAddress(BzImage kernel) {
        long preferred = kernel.preferredAddress() == 0 ? DEFAULT_LOAD_ADDRESS : kernel.preferredAddress();
        if (!kernel.relocatable()) {
            return preferred;
        }
        long alignment = Math.max(kernel.kernelAlignment(), 0x20_0000L);
        return (Math.max(preferred, Layout.HIGH_MEMORY) + alignment - 1) & -alignment;
    }

    private static void writeZeroPage(GuestRam ram, BzImage kernel, long loadAddress, long initrdAddress,
                                      long initrdSize, long rsdp) {
        long zp = Layout.ZERO_PAGE;
        ram.write(zp, new byte[4096]);
        int headerEnd = kernel.headerEnd();
        ram.write(zp + BzImage.HEADER_START, kernel.image(), BzImage.HEADER_START, headerEnd - BzImage.HEADER_START);
        ram.write(zp + BzImage.TYPE_OF_LOADER, new byte[] {(byte) 0xff});
        ram.write(zp + BzImage.LOADFLAGS, new byte[] {(byte) (kernel.loadFlags() | BzImage.LOADED_HIGH)});
        ram.write(zp + ZP_VID_MODE, new byte[] {(byte) 0xff, (byte) 0xff});
        ram.putInt(zp + ZP_CODE32_START, (int) loadAddress);
        ram.putInt(zp + BzImage.CMD_LINE_PTR, (int) Layout.CMDLINE);
        ram.putInt(zp + ZP_EXT_CMD_LINE_PTR, (int) (Layout.CMDLINE >>> 32));
        ram.putInt(zp + BzImage.RAMDISK_IMAGE, (int) initrdAddress);
        ram.putInt(zp + BzImage.RAMDISK_SIZE, (int) initrdSize);
        ram.putInt(zp + ZP_EXT_RAMDISK_IMAGE, (int) (initrdAddress >>> 32));
        ram.putInt(zp + ZP_EXT_RAMDISK_SIZE, (int) (initrdSize >>> 32));
        ram.putLong(zp + ZP_ACPI_RSDP, rsdp);
        List<E820Entry> map = ram.e820();
        ram.write(zp + ZP_E820_ENTRIES, new byte[] {(byte) map.size()});
        long at = zp + ZP_E820_TABLE;
        for (E820Entry entry : map.subList(0, Math.min(map.size(), E820_MAX))) {
            ram.putLong(at, entry.address());
            ram.putLong(at + 8, entry.length());
            ram.putInt(at + 16, entry.type());
            at += 20;
        }
    }

    private static void writeGdt(GuestRam ram) {
        long gdt = Layout.BOOT_GDT;
        ram.putLong(gdt, 0);
        ram.putLong(gdt + 8, 0);
        ram.putLong(gdt + CODE_SELECTOR, CODE64_DESCRIPTOR);
        ram.putLong(gdt + DATA_SELECTOR, DATA_DESCRIPTOR);
        ram.putLong(gdt + TSS_SELECTOR, TSS_DESCRIPTOR);
        ram.putLong(gdt + TSS_SELECTOR + 8, 0);
    }

    private static void writePageTables(GuestRam ram) {
        ram.write(Layout.BOOT_PML4, new byte[4096]);
        ram.write(Layout.BOOT_PDPT, new byte[4096]);
        ram.putLong(Layout.BOOT_PML4, Layout.BOOT_PDPT | 0x03);
        for (int i = 0; i < Layout.BOOT_PD_COUNT; i++) {
            long pd = Layout.BOOT_PD + i * 0x1000L;
            ram.putLong(Layout.BOOT_PDPT + i * 8L, pd | 0x03);
            for (int j = 0; j < 512; j++) {
                // present, writable, 2 MiB page
                ram.putLong(pd + j * 8L, ((long) (i * 512 + j) << 21) | 0x83);
            }
        }
    }
}
