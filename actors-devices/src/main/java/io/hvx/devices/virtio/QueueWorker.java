package io.hvx.devices.virtio;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A device's I/O thread: a notification sets the queue's bit and unparks it (no allocation, no message),
 * and it hands every pending bit to the device, which drains all available requests of those queues in
 * one batch. {@link #pause()} holds it off the queues while the transport resets the device.
 */
public final class QueueWorker implements AutoCloseable {

    /** What the worker runs for each wake-up, with the bit set of notified queues. */
    @FunctionalInterface
    public interface Batch {
        void process(int pendingQueues);
    }

    private final AtomicInteger pending = new AtomicInteger();
    private final Object gate = new Object();
    private final Batch batch;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean paused = true; // guarded by gate

    public QueueWorker(String name, Batch batch) {
        this.batch = batch;
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
        thread.start();
    }

    /** Marks {@code queue} as notified and wakes the thread; any thread, never blocks. */
    public void wake(int queue) {
        int bit = 1 << queue;
        int bits;
        do {
            bits = pending.get();
        } while ((bits & bit) == 0 && !pending.compareAndSet(bits, bits | bit));
        LockSupport.unpark(thread);
    }

    /** Lets the thread process queues (DRIVER_OK). */
    public void resume() {
        synchronized (gate) {
            paused = false;
        }
        LockSupport.unpark(thread);
    }

    /** Waits until the thread is off the queues and keeps it off until {@link #resume()}. */
    public void pause() {
        synchronized (gate) {
            paused = true;
            pending.set(0);
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            int bits = pending.getAndSet(0);
            if (bits == 0) {
                LockSupport.park(this);
                continue;
            }
            synchronized (gate) {
                if (!paused) {
                    batch.process(bits);
                }
            }
        }
    }
}
