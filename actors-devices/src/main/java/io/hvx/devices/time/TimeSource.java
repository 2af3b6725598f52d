package io.hvx.devices.time;

/** Monotonic nanoseconds of guest time; the machine's timers and the TSC derive from it. */
@FunctionalInterface
public interface TimeSource {

    /** The host's monotonic clock. */
    TimeSource SYSTEM = System::nanoTime;

    long nanos();
}
