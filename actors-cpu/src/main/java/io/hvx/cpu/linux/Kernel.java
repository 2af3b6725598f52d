package io.hvx.cpu.linux;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the guest processes of one run-elf share: the process table, pipes and the terminal.
 * One lock guards all of it and one condition wakes every blocked call on any change: a handful of
 * guest processes block rarely, so simplicity wins over finer locking.
 */
final class Kernel {
    static final int FIRST_PID = 1000;
    /** Processes (live and zombie) one run may hold: each is a thread and a copy of memory (RLIMIT_NPROC). */
    static final int MAX_PROCESSES = 128;

    final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Integer, Task> tasks = new TreeMap<>();
    private int nextPid = FIRST_PID;
    final PrintStream diagnostics;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    final Terminal terminal;

    Kernel(PrintStream diagnostics, Terminal terminal) {
        this.diagnostics = diagnostics;
        this.terminal = terminal;
    }

    /** Prints a diagnostic line once per run, however often the guest triggers it. */
    void reportOnce(String line) {
        if (reported.add(line)) {
            diagnostics.println(line);
            diagnostics.flush();
        }
    }

    /** Called with the lock held. */
    int register(Task t) {
        int pid = nextPid++;
        tasks.put(pid, t);
        return pid;
    }

    /** Called with the lock held. */
    void unregister(Task t) {
        tasks.remove(t.pid);
    }

    /** Called with the lock held. */
    Task task(int pid) {
        return tasks.get(pid);
    }

    /** Called with the lock held: a fork fails with EAGAIN beyond this. */
    boolean full() {
        return tasks.size() >= MAX_PROCESSES;
    }

    /** Called with the lock held: live and zombie processes. */
    List<Task> tasks() {
        return new ArrayList<>(tasks.values());
    }

    /** Wakes every blocked call so that it re-checks its condition and pending signals. */
    void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called with the lock held: wakes every blocked call. */
    void changedLocked() {
        changed.signalAll();
    }

    /** Called with the lock held: waits for a change, at most until the deadline (System.nanoTime, or 0). */
    void await(long deadline) {
        try {
            if (deadline == 0) {
                changed.await(1, TimeUnit.SECONDS);
            } else {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    changed.awaitNanos(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends a signal to every process in a group (or to all when pgid is -1); returns how many got it. */
    int signalGroup(int pgid, int sig, Task sender) {
        lock.lock();
        try {
            int n = 0;
            for (Task t : tasks.values()) {
                if (t.alive() && (pgid == -1 ? t != sender : t.pgid == pgid)) {
                    if (sig != 0) {
                        t.signals.post(sig, SignalState.SI_USER, sender == null ? 0 : sender.pid);
                    }
                    n++;
                }
            }
            changed.signalAll();
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Kills every process still running (the run is over). */
    void killAll() {
        lock.lock();
        try {
            for (Task t : tasks.values()) {
                if (t.alive()) {
                    t.signals.post(SignalState.SIGKILL, SignalState.SI_KERNEL, 0);
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
