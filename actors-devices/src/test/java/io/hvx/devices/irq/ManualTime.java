package io.hvx.devices.irq;

import io.hvx.devices.time.TimeSource;

/** A time source the test advances by hand, so timer deadlines are checked exactly (no real timing involved). */
final class ManualTime implements TimeSource {

    private volatile long now = 1_000_000;

    @Override
    public long nanos() {
        return now;
    }

    void advance(long nanos) {
        now += nanos;
    }
}
