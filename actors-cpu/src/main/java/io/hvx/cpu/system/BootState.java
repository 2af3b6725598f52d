package io.hvx.cpu.system;

import io.hvx.cpu.mmu.PhysicalMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How a vCPU starts: directly in 64-bit mode (the Linux 64-bit boot protocol's entry state), in real mode at a
 * given CS:IP, or waiting for INIT/SIPI as an application processor.
 */
public record BootState(Start start, long rip, long rsp, long rsi, long cr3, long gdtBase, int gdtLimit,
        int codeSelector, int dataSelector) {
    /** The kinds of start. */
    public enum Start { LONG_MODE, REAL_MODE, WAIT_FOR_SIPI }

    /** The Linux boot protocol's code and data selectors (__BOOT_CS, __BOOT_DS). */
    public static final int BOOT_CS = 0x10, BOOT_DS = 0x18;
    /** Bytes {@link #linux64} writes at its {@code tablesAt}: a GDT page and six page-table pages. */
    public static final int TABLES_SIZE = 7 * 4096;

    /** An application processor: it runs nothing until a startup IPI names its real-mode entry page. */
    public static BootState waitForSipi() {
        return new BootState(Start.WAIT_FOR_SIPI, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Real mode at {@code cs:ip} (CS base cs*16), as after a startup IPI. */
    public static BootState realMode(int cs, int ip) {
        return new BootState(Start.REAL_MODE, ip, 0, 0, 0, 0, 0xFFFF, cs, 0);
    }

    /** 64-bit mode at {@code rip} with the given page tables (CR3) and GDT (flat code at BOOT_CS, data at BOOT_DS). */
    public static BootState longMode(long rip, long rsp, long rsi, long cr3, long gdtBase, int gdtLimit) {
        return new BootState(Start.LONG_MODE, rip, rsp, rsi, cr3, gdtBase, gdtLimit, BOOT_CS, BOOT_DS);
    }

    /**
     * Writes what the Linux 64-bit boot protocol expects into guest RAM at {@code tablesAt} (page-aligned, {@link
     * #TABLES_SIZE} bytes): a GDT with flat 64-bit code at 0x10 and data at 0x18, and page tables mapping the first
     * 4 GiB one to one with 2 MiB pages. Returns the state that enters {@code entry} with RSI = {@code bootParams}.
     */
    public static BootState linux64(PhysicalMemory memory, long tablesAt, long entry, long bootParams) {
        if ((tablesAt & 0xFFF) != 0) {
            throw new IllegalArgumentException("boot page tables at 0x%x are not page-aligned".formatted(tablesAt));
        }
        ByteBuffer b = ByteBuffer.allocate(TABLES_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(BOOT_CS, 0x00AF9B000000FFFFL); // 64-bit code, DPL 0
        b.putLong(BOOT_DS, 0x00CF93000000FFFFL); // flat data, DPL 0
        long pml4 = tablesAt + 4096;
        long pdpt = pml4 + 4096;
        long pd = pdpt + 4096;
        b.putLong(4096, pdpt | 3);
        for (int g = 0; g < 4; g++) {
            b.putLong(2 * 4096 + g * 8, (pd + g * 4096L) | 3);
            for (int m = 0; m < 512; m++) {
                long frame = ((long) g << 30) | ((long) m << 21);
                b.putLong(3 * 4096 + g * 4096 + m * 8, frame | 0x83);
            }
        }
        memory.load(tablesAt, b.array());
        return longMode(entry, 0, bootParams, pml4, tablesAt, 0x1F);
    }
}
