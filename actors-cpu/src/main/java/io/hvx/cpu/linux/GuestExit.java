package io.hvx.cpu.linux;

/** Unwinds a guest process's thread when the process ends (exit, exit_group, a fatal signal). */
final class GuestExit extends RuntimeException {
    /** The wait status Linux would report: exit code << 8, or the terminating signal. */
    final int waitStatus;

    GuestExit(int waitStatus) {
        super(null, null, false, false);
        this.waitStatus = waitStatus;
    }
}
