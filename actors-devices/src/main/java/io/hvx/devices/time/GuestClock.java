package io.hvx.devices.time;

/**
 * The guest's view of time: a TSC at a fixed, advertised rate and the APIC timer's input clock.
 *
 * <p>Both count from the moment the clock is created. The vCPU reads {@link #tsc()} for RDTSC and
 * advertises {@link #tscHz()} and {@link #crystalHz()} in CPUID leaves 0x15/0x16, so Linux needs no
 * calibration against a PIT (the machine has none); the local APIC timer counts at {@link #crystalHz()}.
 */
public final class GuestClock {

    /** The TSC rate hvx advertises unless told otherwise. */
    public static final long DEFAULT_TSC_HZ = 2_000_000_000L;
    /** The core crystal (APIC timer input) rate, as on many Intel parts. */
    public static final long DEFAULT_CRYSTAL_HZ = 25_000_000L;

    private final TimeSource source;
    private final long origin;
    private final long tscHz;
    private final long crystalHz;

    public GuestClock(TimeSource source, long tscHz, long crystalHz) {
        if (tscHz <= 0 || crystalHz <= 0 || tscHz % crystalHz != 0) {
            throw new IllegalArgumentException("TSC rate %d Hz must be a positive multiple of the crystal rate %d Hz"
                .formatted(tscHz, crystalHz));
        }
        this.source = source;
        this.origin = source.nanos();
        this.tscHz = tscHz;
        this.crystalHz = crystalHz;
    }

    public static GuestClock system() {
        return new GuestClock(TimeSource.SYSTEM, DEFAULT_TSC_HZ, DEFAULT_CRYSTAL_HZ);
    }

    /** Nanoseconds since the clock was created. */
    public long nanos() {
        return source.nanos() - origin;
    }

    public long tscHz() {
        return tscHz;
    }

    public long crystalHz() {
        return crystalHz;
    }

    /** The current TSC value. */
    public long tsc() {
        return nanosToTicks(nanos(), tscHz);
    }

    /** Guest nanoseconds at which the TSC reaches {@code tsc} (rounded up). */
    public long nanosAtTsc(long tsc) {
        return ticksToNanos(tsc, tscHz);
    }

    /** Converts a tick count at {@code hz} to nanoseconds, rounding up, without overflowing for years of ticks. */
    public static long ticksToNanos(long ticks, long hz) {
        long seconds = ticks / hz;
        long rest = ticks % hz;
        return seconds * 1_000_000_000L + (rest * 1_000_000_000L + hz - 1) / hz;
    }

    /** Converts nanoseconds to ticks at {@code hz}, rounding down. */
    public static long nanosToTicks(long nanos, long hz) {
        long seconds = nanos / 1_000_000_000L;
        long rest = nanos % 1_000_000_000L;
        // hz split in MHz and the remainder keeps each product far below 2^63 (monotonic, off by at most one)
        return seconds * hz + rest * (hz / 1_000_000L) / 1_000L + rest * (hz % 1_000_000L) / 1_000_000_000L;
    }
}
