package io.hvx.cpu.linux;

import io.hvx.cpu.Accelerator;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One guest process: its image, descriptors, signals and family, run by one Java thread. */
final class Task {
    /** Instructions between two looks at pending signals: about a few milliseconds of guest time. */
    private static final long SLICE = 200_000;

    final Kernel kernel;
    final int pid;
    /** Guarded by the kernel lock, as are the family and state fields below. */
    Task parent;
    int pgid;
    int sid;
    final List<Task> children = new ArrayList<>();
    private boolean alive = true;
    int waitStatus;
    /** A vfork parent waits until this turns true (the child called execve or exited). */
    boolean vforkReleased;

    volatile Image image;
    FdTable fds;
    Path cwd;
    int umask = 022;
    SignalState signals;
    private final Syscalls syscalls;
    /** ITIMER_REAL; not inherited by fork, kept across execve. */
    final RealTimer timer = new RealTimer(this);
    /** The system call number to restart after signal handling, or -1. */
    long restartNr = -1;
    private long retiredBefore;

    private Task(Kernel kernel, Task parent, Image image, FdTable fds, Path cwd, SignalState signals) {
        this.kernel = kernel;
        this.parent = parent;
        this.image = image;
        this.fds = fds;
        this.cwd = cwd;
        this.signals = signals;
        this.pid = kernel.register(this);
        this.syscalls = new Syscalls(this);
    }

    /** The first process of a run: its own process group and session, leader of the terminal. */
    static Task first(Kernel kernel, Image image, FdTable fds, Path cwd) {
        kernel.lock.lock();
        try {
            Task t = new Task(kernel, null, image, fds, cwd, new SignalState());
            t.pgid = t.pid;
            t.sid = t.pid;
            kernel.terminal.foregroundGroup = t.pid;
            kernel.terminal.session = t.pid;
            return t;
        } finally {
            kernel.lock.unlock();
        }
    }

    boolean alive() {
        return alive;
    }

    int parentPid() {
        kernel.lock.lock();
        try {
            return parent == null ? 1 : parent.pid;
        } finally {
            kernel.lock.unlock();
        }
    }

    /** Instructions this process has completed across all its images. */
    long instructions() {
        Image img = image;
        return retiredBefore + (img == null ? 0 : img.accelerator.retired());
    }

    /** Runs the process until it ends; returns the Linux wait status. */
    int run() {
        int status;
        try {
            while (true) {
                Image img = image;
                Accelerator.Exit exit = img.accelerator.run(SLICE);
                switch (exit) {
                    case SYSCALL -> syscalls.dispatch();
                    case FAULT -> fault(img.accelerator.fault());
                    default -> { }
                }
                if (signals.pending != 0 || restartNr >= 0 || signals.suspendedMask >= 0) {
                    deliverSignals();
                }
            }
        } catch (GuestExit e) {
            status = e.waitStatus;
        } catch (OutOfMemoryError e) {
            kernel.diagnostics.println("hvx: guest process " + pid + " killed: the JVM ran out of memory");
            status = SignalState.SIGKILL;
        } catch (RuntimeException | StackOverflowError e) {
            // a bug in hvx, not guest behaviour: end this guest process, keep the run alive
            kernel.diagnostics.println("hvx: internal error in guest process " + pid + ": " + e);
            status = SignalState.SIGKILL;
        }
        exit(status);
        return status;
    }

    /** Starts the process on its own thread (fork). */
    void start() {
        Thread thread = new Thread(this::run, "hvx-guest-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    private void fault(GuestFault f) {
        GuestMemory mem = image.memory;
        if (f.kind() == GuestFault.Kind.PAGE_FAULT && !mem.isMapped(f.address()) && image.growStack(f.address())) {
            return; // the faulting instruction runs again on the grown stack
        }
        int sig;
        int code;
        switch (f.kind()) {
            case UNDEFINED_OPCODE -> {
                sig = SignalState.SIGILL;
                code = 2; // ILL_ILLOPN
            }
            case DIVIDE_ERROR -> {
                sig = SignalState.SIGFPE;
                code = 1; // FPE_INTDIV
            }
            case BREAKPOINT -> {
                sig = SignalState.SIGTRAP;
                code = SignalState.SI_KERNEL;
            }
            case PAGE_FAULT -> {
                sig = SignalState.SIGSEGV;
                code = mem.isMapped(f.address()) ? 2 : 1; // SEGV_ACCERR : SEGV_MAPERR
            }
            default -> {
                sig = SignalState.SIGSEGV;
                code = SignalState.SI_KERNEL;
            }
        }
        long h = signals.handler[sig];
        if (h == SignalState.SIG_DFL || h == SignalState.SIG_IGN || (signals.blocked & SignalState.bit(sig)) != 0) {
            kernel.diagnostics.printf("hvx: guest killed by signal %d (%s at rip 0x%x)%n", sig, f.getMessage(),
                    image.cpu.rip);
            kernel.diagnostics.flush();
            throw new GuestExit(sig);
        }
        long addr = f.kind() == GuestFault.Kind.PAGE_FAULT ? f.address() : image.cpu.rip;
        handle(sig, code, addr, 0);
    }

    /** Takes the lowest deliverable signal off the pending set; 0 when none. */
    private int takeSignal() {
        kernel.lock.lock();
        try {
            long d = signals.pending & ~(signals.blocked & ~SignalState.UNBLOCKABLE);
            if (d == 0) {
                return 0;
            }
            int sig = Long.numberOfTrailingZeros(d) + 1;
            signals.pending &= ~SignalState.bit(sig);
            return sig;
        } finally {
            kernel.lock.unlock();
        }
    }

    /** Runs default actions and sets up handler frames for deliverable signals; restarts interrupted calls. */
    void deliverSignals() {
        long restart = restartNr;
        restartNr = -1;
        CpuState cpu = image.cpu;
        int sig;
        while ((sig = takeSignal()) != 0) {
            long h = signals.handler[sig];
            if (sig == SignalState.SIGKILL) {
                throw new GuestExit(sig);
            }
            if (h == SignalState.SIG_IGN) {
                continue;
            }
            if (h == SignalState.SIG_DFL) {
                if (SignalState.ignoredByDefault(sig)) {
                    continue;
                }
                throw new GuestExit(sig);
            }
            if (restart >= 0) {
                if ((signals.flags[sig] & SignalState.SA_RESTART) != 0) {
                    cpu.regs[CpuState.RAX] = restart;
                    cpu.rip -= 2;
                } else {
                    cpu.regs[CpuState.RAX] = -Errno.EINTR;
                }
                restart = -1;
            }
            handle(sig, signals.infoCode[sig], signals.infoValue[sig], signals.infoStatus[sig]);
        }
        if (restart >= 0) {
            cpu.regs[CpuState.RAX] = restart;
            cpu.rip -= 2;
        }
        if (signals.suspendedMask >= 0) {
            signals.blocked = signals.suspendedMask;
            signals.suspendedMask = -1;
        }
    }

    /** Pushes an rt_sigframe and enters the handler (the layout of Linux's x86-64 signal frame). */
    private void handle(int sig, int code, long value, int status) {
        SignalFrame.enter(this, sig, code, value, status);
        long m = signals.mask[sig];
        if ((signals.flags[sig] & SignalState.SA_NODEFER) == 0) {
            m |= SignalState.bit(sig);
        }
        signals.blocked = (signals.blocked | m) & ~SignalState.UNBLOCKABLE;
        if ((signals.flags[sig] & SignalState.SA_RESETHAND) != 0) {
            signals.handler[sig] = SignalState.SIG_DFL;
        }
    }

    /** fork, vfork and fork-like clone: a new process with a copy of this one's memory. */
    long fork(boolean vfork, long newStack, long flags, long parentTid, long childTid) {
        kernel.lock.lock();
        try {
            if (kernel.full()) {
                kernel.reportOnce("hvx: fork refused: " + Kernel.MAX_PROCESSES + " guest processes exist");
                return -Errno.EAGAIN;
            }
        } finally {
            kernel.lock.unlock();
        }
        Image childImage = image.fork();
        Task child;
        kernel.lock.lock();
        try {
            child = new Task(kernel, this, childImage, fds.fork(), cwd, signals.copy());
            child.pgid = pgid;
            child.sid = sid;
            child.umask = umask;
            children.add(child);
        } finally {
            kernel.lock.unlock();
        }
        CpuState c = childImage.cpu;
        c.regs[CpuState.RAX] = 0;
        if (newStack != 0) {
            c.regs[CpuState.RSP] = newStack;
        }
        try {
            if ((flags & 0x01000000) != 0) { // CLONE_CHILD_SETTID
                childImage.memory.write32(childTid, child.pid);
            }
            if ((flags & 0x00100000) != 0) { // CLONE_PARENT_SETTID
                image.memory.write32(parentTid, child.pid);
                childImage.memory.write32(parentTid, child.pid);
            }
        } catch (GuestFault f) {
            // a bad tid pointer: the child still runs; the guest finds no tid where it pointed
        }
        child.start();
        if (vfork) {
            kernel.lock.lock();
            try {
                while (!child.vforkReleased) {
                    kernel.await(0);
                }
            } finally {
                kernel.lock.unlock();
            }
        }
        return child.pid;
    }

    /** Replaces the image (execve): descriptors marked close-on-exec close, caught signals reset. */
    void exec(Image next) {
        Image old = image;
        retiredBefore += old.accelerator.retired();
        image = next;
        old.close();
        kernel.lock.lock();
        try {
            fds.closeOnExec();
            signals.resetHandlersForExec();
            vforkReleased = true;
            kernel.changedLocked();
        } finally {
            kernel.lock.unlock();
        }
    }

    private void exit(int status) {
        Image img = image;
        kernel.lock.lock();
        try {
            fds.closeAll();
            alive = false;
            waitStatus = status;
            vforkReleased = true;
            for (Task c : children) {
                c.parent = null;
                if (!c.alive) {
                    kernel.unregister(c);
                }
            }
            children.clear();
            Task p = parent;
            if (p != null && p.alive) {
                boolean autoReap = p.signals.handler[SignalState.SIGCHLD] == SignalState.SIG_IGN
                        || (p.signals.flags[SignalState.SIGCHLD] & SignalState.SA_NOCLDWAIT) != 0;
                if (autoReap) {
                    p.children.remove(this);
                    kernel.unregister(this);
                } else {
                    boolean signalled = (status & 0x7F) != 0;
                    p.signals.post(SignalState.SIGCHLD, signalled ? 2 : 1, pid,
                            signalled ? status & 0x7F : (status >> 8) & 0xFF);
                }
            } else {
                kernel.unregister(this);
            }
            kernel.changedLocked();
        } finally {
            kernel.lock.unlock();
        }
        timer.set(0, 0);
        retiredBefore += img.accelerator.retired();
        image = null;
        img.close();
    }

    /** wait4/waitid: reaps a matching zombie child; returns {pid, status}, {0, 0} for WNOHANG, or {-errno}. */
    long[] waitChild(int which, int id, boolean noHang, boolean reap) {
        kernel.lock.lock();
        try {
            while (true) {
                boolean any = false;
                for (Task c : children) {
                    boolean match = switch (which) {
                        case 0 -> true;
                        case 1 -> c.pid == id;
                        default -> c.pgid == id;
                    };
                    if (!match) {
                        continue;
                    }
                    any = true;
                    if (!c.alive) {
                        if (reap) {
                            children.remove(c);
                            kernel.unregister(c);
                        }
                        return new long[] {c.pid, c.waitStatus};
                    }
                }
                if (!any) {
                    return new long[] {-Errno.ECHILD};
                }
                if (noHang) {
                    return new long[] {0, 0};
                }
                if (signals.deliverable()) {
                    return new long[] {-Errno.ERESTARTSYS};
                }
                kernel.await(0);
            }
        } finally {
            kernel.lock.unlock();
        }
    }
}
