package io.hvx.cpu.linux;

import java.io.IOException;
import java.io.OutputStream;

/** The guest's stdout or stderr: a host stream, written through without buffering of its own. */
final class HostOutput extends OpenFile {
    private final OutputStream out;
    private final boolean tty;
    private final long ino;

    HostOutput(OutputStream out, boolean tty, long ino) {
        this.out = out;
        this.tty = tty;
        this.ino = ino;
        this.statusFlags = 1;
    }

    @Override
    long read(Task t, byte[] buf, int len) {
        return -Errno.EBADF;
    }

    @Override
    long write(Task t, byte[] buf, int len) {
        try {
            out.write(buf, 0, len);
            out.flush();
            return len;
        } catch (IOException e) {
            t.kernel.lock.lock();
            try {
                t.signals.post(SignalState.SIGPIPE, SignalState.SI_USER, t.pid);
            } finally {
                t.kernel.lock.unlock();
            }
            return -Errno.EPIPE;
        }
    }

    @Override
    int poll(int events) {
        return events & POLLOUT;
    }

    @Override
    FileStat stat() {
        return FileStat.synthetic(tty ? S_IFCHR | 0620 : S_IFIFO | 0600, ino);
    }

    @Override
    boolean isTty() {
        return tty;
    }
}
