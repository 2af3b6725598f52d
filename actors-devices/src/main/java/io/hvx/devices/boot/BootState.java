package io.hvx.devices.boot;

/**
 * The register state the boot vCPU starts from after a direct 64-bit Linux load: long mode with
 * paging on the identity map the loader wrote, the loader's flat GDT, interrupts off.
 *
 * <p>Segment registers hold {@link #codeSelector()} and {@link #dataSelector()}; their descriptors are
 * in guest RAM at {@link #gdtBase()} and repeated here ({@link #codeDescriptor()}, {@link #dataDescriptor()})
 * so a vCPU can fill its hidden segment state without reading them back. The IDT is empty (limit 0).
 */
public record BootState(long rip, long rsi, long rsp, long rflags, long cr0, long cr3, long cr4, long efer,
                        long gdtBase, int gdtLimit, int codeSelector, int dataSelector, int taskSelector,
                        long codeDescriptor, long dataDescriptor, long taskDescriptor) {

    public static final long CR0_PE = 1L;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
}
