package io.hvx.cpu.linux;

/** One end of a {@link Pipe} (also the guest's stdin, fed from the host). */
final class PipeEnd extends OpenFile {
    final Pipe pipe;
    final boolean readEnd;
    private final boolean tty;

    PipeEnd(Pipe pipe, boolean readEnd, boolean tty) {
        this.pipe = pipe;
        this.readEnd = readEnd;
        this.tty = tty;
        this.statusFlags = readEnd ? 0 : 1;
    }

    @Override
    long read(Task t, byte[] buf, int len) {
        if (!readEnd) {
            return -Errno.EBADF;
        }
        return pipe.read(t, buf, len, (statusFlags & O_NONBLOCK) != 0);
    }

    @Override
    long write(Task t, byte[] buf, int len) {
        if (readEnd) {
            return -Errno.EBADF;
        }
        return pipe.write(t, buf, len, (statusFlags & O_NONBLOCK) != 0);
    }

    @Override
    int poll(int events) {
        return pipe.poll(readEnd, events);
    }

    @Override
    FileStat stat() {
        return FileStat.synthetic(tty ? S_IFCHR | 0620 : S_IFIFO | 0600, pipe.ino);
    }

    @Override
    boolean isTty() {
        return tty;
    }

    @Override
    void release() {
        if (readEnd) {
            pipe.readers--;
        } else {
            pipe.writers--;
        }
        pipe.kernel.changedLocked();
    }
}
