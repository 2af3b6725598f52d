package io.hvx.cpu.mmu;

/** A locked read-modify-write lost its compare-and-set to another vCPU's store: run the instruction again. */
public final class LockedRetry extends RuntimeException {
    static final LockedRetry INSTANCE = new LockedRetry();

    private LockedRetry() {
        super("locked instruction retried", null, false, false);
    }
}
