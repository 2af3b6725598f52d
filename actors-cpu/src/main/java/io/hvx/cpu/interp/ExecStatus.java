package io.hvx.cpu.interp;

/** Why the interpreter handed control back to its caller (besides a {@code GuestFault}). */
public final class ExecStatus {
    private ExecStatus() {
    }

    public static final int CONTINUE = 0;
    /** A SYSCALL instruction executed; RIP points after it. */
    public static final int SYSCALL = 1;
    /** A HLT executed (privileged: user mode treats it as #GP). */
    public static final int HALT = 2;
}
