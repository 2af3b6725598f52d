package io.hvx.cpu.system;

/**
 * A vCPU's time-stamp counter: invariant, at {@link SystemCpuid#TSC_HZ} (1 GHz, so one tick per host
 * nanosecond), counting from the VM's start plus whatever the guest wrote to IA32_TSC.
 */
public final class Tsc {
    private final long origin;
    private long offset;

    /** {@code origin} is the VM's start in {@link System#nanoTime()}; all vCPUs of a VM share it. */
    public Tsc(long origin) {
        this.origin = origin;
    }

    public long read() {
        return System.nanoTime() - origin + offset;
    }

    public void write(long value) {
        offset = value - (System.nanoTime() - origin);
    }

    /** The host {@link System#nanoTime()} at which the counter reads {@code value}. */
    public long nanoTimeAt(long value) {
        return value - offset + origin;
    }
}
