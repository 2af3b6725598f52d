package io.hvx.cpu.linux;

/** One guest process's signal dispositions, blocked mask and pending set (pending is guarded by the kernel lock). */
final class SignalState {
    static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7,
            SIGFPE = 8, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15,
            SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23,
            SIGWINCH = 28;
    static final int NSIG = 64;
    static final long SIG_DFL = 0, SIG_IGN = 1;
    static final long SA_NOCLDWAIT = 2, SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000,
            SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000L;
    static final int SI_USER = 0, SI_KERNEL = 0x80, SI_TKILL = -6;
    static final long UNBLOCKABLE = bit(SIGKILL) | bit(SIGSTOP);

    /** sigaction per signal: handler, flags, restorer, mask (index 1..64). */
    final long[] handler = new long[NSIG + 1];
    final long[] flags = new long[NSIG + 1];
    final long[] restorer = new long[NSIG + 1];
    final long[] mask = new long[NSIG + 1];
    /** Signals whose delivery is blocked; only the owning thread writes it. */
    volatile long blocked;
    /** Signals posted and not yet delivered. */
    volatile long pending;
    /** siginfo fields of each pending signal: code and sending pid (or fault address / child status). */
    final int[] infoCode = new int[NSIG + 1];
    final long[] infoValue = new long[NSIG + 1];
    final int[] infoStatus = new int[NSIG + 1];
    /** The mask to restore after a handler interrupts rt_sigsuspend; -1 when none. */
    long suspendedMask = -1;

    static long bit(int sig) {
        return 1L << (sig - 1);
    }

    SignalState copy() {
        SignalState s = new SignalState();
        System.arraycopy(handler, 0, s.handler, 0, handler.length);
        System.arraycopy(flags, 0, s.flags, 0, flags.length);
        System.arraycopy(restorer, 0, s.restorer, 0, restorer.length);
        System.arraycopy(mask, 0, s.mask, 0, mask.length);
        s.blocked = blocked;
        return s;
    }

    /** execve: caught signals go back to their default action; ignored ones stay ignored. */
    void resetHandlersForExec() {
        for (int s = 1; s <= NSIG; s++) {
            if (handler[s] != SIG_IGN) {
                handler[s] = SIG_DFL;
            }
            flags[s] = 0;
            mask[s] = 0;
            restorer[s] = 0;
        }
    }

    static boolean ignoredByDefault(int sig) {
        return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT
                // hvx has no job control: stop signals are not acted upon
                || sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
    }

    boolean ignored(int sig) {
        return sig != SIGKILL && (handler[sig] == SIG_IGN || (handler[sig] == SIG_DFL && ignoredByDefault(sig)));
    }

    /** Called with the kernel lock held: makes the signal pending unless it would be ignored anyway. */
    void post(int sig, int code, long value) {
        post(sig, code, value, 0);
    }

    void post(int sig, int code, long value, int status) {
        if (sig < 1 || sig > NSIG) {
            return;
        }
        if (ignored(sig) && (handler[sig] == SIG_IGN || (blocked & bit(sig)) == 0)) {
            return;
        }
        infoCode[sig] = code;
        infoValue[sig] = value;
        infoStatus[sig] = status;
        pending |= bit(sig);
    }

    /** A signal is pending that is not blocked. */
    boolean deliverable() {
        return (pending & ~(blocked & ~UNBLOCKABLE)) != 0;
    }
}
