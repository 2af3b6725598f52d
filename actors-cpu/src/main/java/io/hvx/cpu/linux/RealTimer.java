package io.hvx.cpu.linux;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A process's ITIMER_REAL (alarm, setitimer): posts SIGALRM when it expires, again every interval. */
final class RealTimer {
    private static final ScheduledExecutorService CLOCK = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hvx-itimer");
        t.setDaemon(true);
        return t;
    });

    private final Task task;
    private ScheduledFuture<?> pending;
    private long deadline;
    private long intervalNs;

    RealTimer(Task task) {
        this.task = task;
    }

    /** Arms (value > 0) or disarms the timer; returns {remaining ns, interval ns} of the previous setting. */
    synchronized long[] set(long valueNs, long intervalNs) {
        long[] old = {remaining(), this.intervalNs};
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        this.intervalNs = intervalNs;
        if (valueNs > 0) {
            deadline = System.nanoTime() + valueNs;
            pending = CLOCK.schedule(this::fire, valueNs, TimeUnit.NANOSECONDS);
        }
        return old;
    }

    synchronized long[] get() {
        return new long[] {remaining(), intervalNs};
    }

    private long remaining() {
        return pending == null || pending.isDone() ? 0 : Math.max(1, deadline - System.nanoTime());
    }

    private void fire() {
        task.kernel.lock.lock();
        try {
            if (task.alive()) {
                task.signals.post(SignalState.SIGALRM, SignalState.SI_KERNEL, 0);
                task.kernel.changedLocked();
            }
        } finally {
            task.kernel.lock.unlock();
        }
        synchronized (this) {
            if (intervalNs > 0 && task.alive()) {
                deadline = System.nanoTime() + intervalNs;
                pending = CLOCK.schedule(this::fire, intervalNs, TimeUnit.NANOSECONDS);
            }
        }
    }
}
