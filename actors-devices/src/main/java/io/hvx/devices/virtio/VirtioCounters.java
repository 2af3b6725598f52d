package io.hvx.devices.virtio;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** The values of every {@link VirtioCounter} for one device; written by its threads without allocation. */
public final class VirtioCounters {
    private final AtomicLongArray values = new AtomicLongArray(VirtioCounter.values().length);

    public void increment(VirtioCounter counter) {
        values.getAndIncrement(counter.ordinal());
    }

    public void add(VirtioCounter counter, long delta) {
        values.getAndAdd(counter.ordinal(), delta);
    }

    public long get(VirtioCounter counter) {
        return values.get(counter.ordinal());
    }

    /** A copy of every value, for the control plane and tests. */
    public Map<VirtioCounter, Long> snapshot() {
        Map<VirtioCounter, Long> copy = new EnumMap<>(VirtioCounter.class);
        for (VirtioCounter counter : VirtioCounter.values()) {
            copy.put(counter, get(counter));
        }
        return copy;
    }
}
